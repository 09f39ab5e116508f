"""Profiles record how they sign in (a password, or OAuth2 with the provider or issuer, the
client ID and the scopes), never with what; files saved before they did still load."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from smtpwizard.core import profiles as p

from .conftest import make_profile

MICROSOFT = p.SignInMethod(
    True, "microsoft", None, "00000000-1111-2222-3333-444444444444", ("SMTP.Send", "offline_access")
)

# A profile exactly as the first release with profiles wrote it (format 1, no "sign_in").
OLD_FILE = {
    "format": "smtpwizard-profile",
    "version": 1,
    "name": "Before",
    "server": {
        "host": "smtp.example.com",
        "port": 587,
        "security": "starttls",
        "username": "anna@example.com",
        "allow_insecure_auth": False,
        "trusted_fingerprint": None,
    },
    "account": {"email": "anna@example.com", "display_name": "Anna", "incoming": None},
    "last_check": {"ok": True, "when": "2026-01-02T03:04:05+00:00", "diagnosis": None},
}


def test_an_old_file_still_loads_and_means_a_password(config: Path) -> None:
    folder = config / "profiles"
    folder.mkdir(parents=True)
    (folder / "before.json").write_text(json.dumps(OLD_FILE), "utf-8")
    profile = p.load_profile("Before")
    assert profile.sign_in is None and not profile.oauth2
    assert p.list_profiles().problems == []
    p.save_profile(profile)  # saved again: still no sign_in key, byte for byte the old shape
    assert "sign_in" not in json.loads((folder / "before.json").read_text("utf-8"))


@pytest.mark.parametrize(
    "method",
    [
        MICROSOFT,
        p.SignInMethod(True, None, "https://id.example.net", "app", ("smtp",)),
        p.SignInMethod(),
    ],
)
def test_the_sign_in_method_round_trips(method: p.SignInMethod) -> None:
    profile = dataclasses.replace(make_profile("Work"), sign_in=method)
    path = p.save_profile(profile)
    assert p.load_profile("Work") == profile
    on_disk = json.loads(path.read_text("utf-8"))
    assert on_disk["version"] == 1  # older smtpwizards ignore the new key and still load it
    assert on_disk["sign_in"]["method"] == ("oauth2" if method.oauth2 else "password")
    if method.oauth2:
        assert on_disk["sign_in"]["client_id"] == method.client_id
        assert method.words.startswith("OAuth2 (")


def test_no_token_or_secret_reaches_the_file() -> None:
    profile = dataclasses.replace(make_profile("Work"), sign_in=MICROSOFT)
    text = p.save_profile(profile).read_text("utf-8")
    assert set(json.loads(text)["sign_in"]) == {
        "method",
        "provider",
        "issuer",
        "client_id",
        "scopes",
    }
    assert "token" not in text and "secret" not in text


@pytest.mark.parametrize(
    ("sign_in", "words"),
    [
        ("oauth2", "“sign_in” has the wrong type"),
        ({"method": "kerberos"}, "must be password or oauth2"),
        ({"method": "oauth2", "provider": "Micro soft"}, "not a provider name"),
        ({"method": "oauth2", "client_id": "a\nb"}, "control character"),
        ({"method": "oauth2", "issuer": "x" * 600}, "too long"),
        ({"method": "oauth2", "scopes": "SMTP.Send"}, "wrong type"),
        ({"method": "oauth2", "scopes": ["two words"]}, "space or control character"),
        ({"method": "oauth2", "scopes": ["s"] * 30}, "too many scopes"),
    ],
)
def test_a_damaged_sign_in_is_refused(config: Path, sign_in: object, words: str) -> None:
    with pytest.raises(p.ProfileError) as caught:
        p.Profile.from_dict({**OLD_FILE, "sign_in": sign_in})
    assert words in caught.value.message


def test_a_preset_made_from_an_oauth2_profile_carries_its_client_id() -> None:
    import tomllib

    from smtpwizard.core.desk.preset_profile import preset_document_from_profile

    oauth2 = dataclasses.replace(make_profile("Work"), sign_in=MICROSOFT)
    data = tomllib.loads(preset_document_from_profile(oauth2))
    assert data["oauth_client_id"] == MICROSOFT.client_id
    given = tomllib.loads(preset_document_from_profile(oauth2, oauth_client_id="desk-app"))
    assert given["oauth_client_id"] == "desk-app"  # the desk's own choice wins
    password = dataclasses.replace(make_profile("Work"), sign_in=p.SignInMethod())
    assert "oauth_client_id" not in tomllib.loads(preset_document_from_profile(password))
