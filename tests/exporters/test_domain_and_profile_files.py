"""Files published for a whole domain name nobody; Thunderbird's user.js adds a server and never
leaves an identity pointing at nothing (Thunderbird's own prefs loading and server lookup)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from defusedxml import ElementTree

from smtpwizard.core.exporters import ExportError, render_export
from smtpwizard.core.exporters.thunderbird_prefs import default_profile, profile_smtp_servers
from smtpwizard.core.settings import Security

from .conftest import require
from .readers import run
from .samples import sample

HERE = Path(__file__).resolve().parent
PERSON = ("Anna Müller", "anna.mueller@example.com", "anna.mueller")

# What Thunderbird's own account setup writes for one IMAP account (prefs.js of a real profile,
# trimmed to the account's keys).
EXISTING_PROFILE = """\
// Mozilla User Preferences
user_pref("mail.account.account1.identities", "id1");
user_pref("mail.account.account1.server", "server1");
user_pref("mail.accountmanager.accounts", "account1");
user_pref("mail.accountmanager.defaultaccount", "account1");
user_pref("mail.identity.id1.fullName", "Bob");
user_pref("mail.identity.id1.smtpServer", "smtp1");
user_pref("mail.identity.id1.useremail", "bob@example.org");
user_pref("mail.identity.id2.useremail", "bob@work.example");
user_pref("mail.identity.id2.smtpServer", "smtp2");
user_pref("mail.smtp.defaultserver", "smtp1");
user_pref("mail.smtpserver.smtp1.hostname", "smtp.example.org");
user_pref("mail.smtpserver.smtp1.port", 465);
user_pref("mail.smtpserver.smtp1.try_ssl", 3);
user_pref("mail.smtpserver.smtp2.hostname", "smtp.work.example");
user_pref("mail.smtpservers", "smtp1,smtp2");
"""


def _profile(tmp_path: Path) -> Path:
    profile = tmp_path / "abcd1234.default-release"
    profile.mkdir()
    (profile / "prefs.js").write_text(EXISTING_PROFILE, encoding="utf-8")
    return profile


def _thunderbird_sees(profile: Path) -> dict[str, object]:
    require("node")
    return json.loads(run(["node", str(HERE / "node" / "thunderbird_prefs.cjs"), str(profile)]))


@pytest.mark.parametrize("security", [Security.STARTTLS, Security.TLS])
def test_user_js_adds_a_server_and_keeps_every_identity_sending(
    tmp_path: Path, security: Security
) -> None:
    profile = _profile(tmp_path)
    existing = profile_smtp_servers(profile)
    assert existing == ("smtp1", "smtp2")
    result = render_export("thunderbird-userjs", *sample(security), thunderbird_profile=profile)
    (profile / "user.js").write_bytes(result.data)
    seen = _thunderbird_sees(profile)
    assert seen["keys"] == ["smtp1", "smtp2", "smtpwizard"]
    # Both identities still resolve to the servers they had; nobody was switched.
    assert seen["identities"] == {"id1": "smtp1", "id2": "smtp2"}
    assert seen["defaultServer"] == "smtp1"
    ours = next(s for s in seen["servers"] if s["key"] == "smtpwizard")  # type: ignore[union-attr]
    assert (ours["hostname"], ours["port"]) == (
        "smtp.example.com",
        587 if security is Security.STARTTLS else 465,
    )
    # Applying it twice (user.js runs at every start) changes nothing.
    assert profile_smtp_servers(profile) == ("smtp1", "smtp2", "smtpwizard")
    again = render_export("thunderbird-userjs", *sample(security), thunderbird_profile=profile)
    assert again.data == result.data


def test_user_js_for_an_unknown_profile_leaves_the_list_alone(tmp_path: Path) -> None:
    profile = _profile(tmp_path)
    result = render_export("thunderbird-userjs", *sample())
    assert b'"mail.smtpservers"' not in result.data
    assert b"Config Editor" in result.data
    (profile / "user.js").write_bytes(result.data)
    seen = _thunderbird_sees(profile)
    assert seen["keys"] == ["smtp1", "smtp2"]
    assert seen["identities"] == {"id1": "smtp1", "id2": "smtp2"}


def test_the_default_profile_is_found_from_profiles_ini(tmp_path: Path) -> None:
    profile = _profile(tmp_path)
    (tmp_path / "profiles.ini").write_text(
        "[Install4F96D1932A9F858E]\nDefault=abcd1234.default-release\nLocked=1\n\n"
        "[Profile0]\nName=default\nIsRelative=1\nPath=zzz.default\nDefault=1\n",
        encoding="utf-8",
    )
    assert default_profile([tmp_path]) == profile
    assert default_profile([tmp_path / "nothing-here"]) is None


@pytest.mark.parametrize(
    ("login", "placeholder"),
    [(PERSON[1], "%EMAILADDRESS%"), (PERSON[2], "%EMAILLOCALPART%"), ("u-4711", "%EMAILADDRESS%")],
)
def test_autoconfig_names_nobody_and_thunderbird_fills_in_each_address(
    login: str, placeholder: str
) -> None:
    settings, account = sample(username=login, email=PERSON[1], name=PERSON[0])
    data = render_export("thunderbird-autoconfig", settings, account).data
    text = data.decode()
    for personal in (PERSON[0], login):
        assert personal not in text
    root = ElementTree.fromstring(data)
    assert root.findtext("emailProvider/outgoingServer/username") == placeholder
    assert root.findtext("emailProvider/incomingServer/username") == placeholder
    # AccountConfig.replaceVariables: a plain string replace of the ISPDB placeholders.
    other = "zoe@example.com"
    filled = text.replace("%EMAILADDRESS%", other).replace("%EMAILLOCALPART%", "zoe")
    login_for_zoe = ElementTree.fromstring(filled).findtext("emailProvider/outgoingServer/username")
    assert login_for_zoe in {other, "zoe"}


def test_autodiscover_names_nobody() -> None:
    settings, account = sample(username=PERSON[1], email=PERSON[1], name=PERSON[0])
    text = render_export("outlook-autodiscover", settings, account).text
    for element in ("LoginName", "DisplayName", "AutoDiscoverSMTPAddress", "<User>"):
        assert element not in text
    assert PERSON[0] not in text and PERSON[1] not in text
    assert "POST" in render_export("outlook-autodiscover", settings, account).how_to_use


def test_user_js_switches_a_named_identity_only_when_asked(tmp_path: Path) -> None:
    profile = _profile(tmp_path)
    asked = render_export(
        "thunderbird-userjs",
        *sample(),
        thunderbird_profile=profile,
        thunderbird_identity="bob@work.example",  # by address: found as id2
    )
    (profile / "user.js").write_bytes(asked.data)
    seen = _thunderbird_sees(profile)
    assert seen["identities"] == {"id1": "smtp1", "id2": "smtpwizard"}
    with pytest.raises(ExportError, match="this profile has id1, id2"):
        render_export(
            "thunderbird-userjs", *sample(), thunderbird_profile=profile, thunderbird_identity="id7"
        )
    with pytest.raises(ExportError, match="exactly one identity"):
        render_export(
            "thunderbird-userjs",
            *sample(),
            thunderbird_profile=profile,
            thunderbird_identity="nobody@example.org",
        )
