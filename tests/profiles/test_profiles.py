"""Saving, listing, loading and deleting profiles; names that are unsafe; files that are damaged;
and that no password ever reaches a file."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smtpwizard.core import profiles as p
from smtpwizard.core.settings import Security, ServerSettings

from .conftest import make_profile

PASSWORD = "Sup3r-Secret-Pa55word!"


def test_round_trip(config: Path) -> None:
    profile = make_profile("Work", diagnosis="auth.rejected")
    path = p.save_profile(profile)
    assert path == config / "profiles" / "work-104ab921.json" == p.profile_path("Work")
    assert p.profile_path("work").name == "work.json"  # a name that is already safe is kept
    assert p.profiles_dir() == config / "profiles"
    assert p.load_profile("Work") == profile
    on_disk = json.loads(path.read_text("utf-8"))
    assert on_disk["version"] == 1 and on_disk["format"] == "smtpwizard-profile"
    assert on_disk["server"]["trusted_fingerprint"] == "ab" * 32
    listing = p.list_profiles()
    assert listing.problems == []
    assert [(s.name, s.host, s.port, s.security, s.email) for s in listing] == [
        ("Work", "smtp.example.com", 587, Security.STARTTLS, "anna@example.com")
    ]
    assert listing[0].last_check == profile.last_check and listing[0].path == path


def test_saving_again_replaces_and_normalises() -> None:
    p.save_profile(make_profile("Work"))
    changed = make_profile("Work")
    changed = p.Profile(
        "Work",
        changed.server.with_changes(host="SMTP.Example.COM", port=465, security="tls"),
        changed.account,
    )
    p.save_profile(changed)
    loaded = p.load_profile("Work")
    assert (loaded.server.host, loaded.server.port, loaded.server.security) == (
        "smtp.example.com",
        465,
        Security.TLS,
    )
    assert loaded.last_check is None
    assert len(p.list_profiles()) == 1


def test_files_are_private(config: Path) -> None:
    old = os.umask(0)
    try:
        path = p.save_profile(make_profile())
        state = p.save_app_state({"geometry": "AdnQywADAAAAAAGb"})
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert stat.S_IMODE((config / "profiles").stat().st_mode) == 0o700


def test_names_become_safe_distinct_file_names() -> None:
    names = ["Work", "work", "WORK", "Büro", "Buro", "con", "Gmail (personal)", "日本語", "a" * 80]
    paths = [p.save_profile(make_profile(name)) for name in names]
    assert len(set(paths)) == len(names)
    assert len({path.name.lower() for path in paths}) == len(names)  # case-insensitive disks
    for path in paths:
        assert re.fullmatch(r"[a-z0-9-]{1,60}\.json", path.name), path.name
        assert path.parent == p.profiles_dir()
    assert p.profile_path("con").name != "con.json"  # reserved on Windows
    assert sorted(s.name for s in p.list_profiles()) == sorted(names)
    assert p.load_profile("日本語").name == "日本語"


@settings(database=None, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=90), min_size=1, max_size=8, unique=True))
def test_any_accepted_name_stays_inside_the_folder(names: list[str]) -> None:
    accepted: dict[str, Path] = {}
    for name in names:
        try:
            clean = p.check_profile_name(name)
        except p.ProfileError:
            continue
        path = p.profile_path(name)
        assert path.parent == p.profiles_dir()
        assert re.fullmatch(r"[a-z0-9-]+\.json", path.name)
        accepted.setdefault(clean, path)
    assert len(set(accepted.values())) == len(accepted)


@pytest.mark.parametrize(
    "name",
    ["../evil", "..\\evil", "/etc/passwd", "a/b", ".", "..", "", "   ", "a\nb", "a\rb", "a\x00b"],
)
def test_unsafe_names_are_refused_everywhere(name: str, tmp_path: Path) -> None:
    with pytest.raises(p.ProfileError):
        p.save_profile(make_profile(name))
    with pytest.raises(p.ProfileError):
        p.load_profile(name)
    with pytest.raises(p.ProfileError):
        p.delete_profile(name)
    assert sorted(path.name for path in tmp_path.iterdir()) == []  # nothing written anywhere


def test_unknown_name_lists_the_saved_ones() -> None:
    p.save_profile(make_profile("Work"))
    p.save_profile(make_profile("Home"))
    with pytest.raises(p.ProfileError) as caught:
        p.load_profile("Wrok")
    assert caught.value.available == ("Home", "Work")
    assert "“Wrok”" in caught.value.message and "“Home”, “Work”" in caught.value.message
    p.delete_profile("Work")
    p.delete_profile("Home")
    with pytest.raises(p.ProfileError, match="none yet"):
        p.load_profile("Work")


def test_delete() -> None:
    path = p.save_profile(make_profile("Work"))
    p.delete_profile("Work")
    assert not path.exists() and list(p.list_profiles()) == []
    with pytest.raises(p.ProfileError, match="no saved profile"):
        p.delete_profile("Work")


def test_a_file_renamed_by_hand_is_still_found_by_its_name() -> None:
    path = p.save_profile(make_profile("Work"))
    path.rename(path.with_name("my-work-backup.json"))
    assert p.load_profile("Work").name == "Work"
    p.delete_profile("Work")
    assert list(p.profiles_dir().iterdir()) == []


def test_same_file_different_name_is_refused() -> None:
    path = p.save_profile(make_profile("Work"))
    data = json.loads(path.read_text("utf-8"))
    data["name"] = "Someone else"
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(p.ProfileError, match="already holds the profile “Someone else”"):
        p.save_profile(make_profile("Work"))


def test_no_password_reaches_a_profile_file() -> None:
    # Someone tries to slip a password in through every dict a profile is built from.
    data = make_profile("Work").to_dict()
    data["password"] = PASSWORD
    data["server"]["password"] = PASSWORD
    data["server"]["smtp_password"] = PASSWORD
    data["account"]["password"] = PASSWORD
    data["account"]["incoming"]["password"] = PASSWORD
    profile = p.Profile.from_dict(data)
    path = p.save_profile(profile)
    assert PASSWORD.encode() not in path.read_bytes()
    assert b"password" not in path.read_bytes()
    # The settings model itself has nowhere to put one.
    with pytest.raises(ValueError):
        profile.server.with_changes(password=PASSWORD)
    with pytest.raises(TypeError):
        ServerSettings("smtp.example.com", 587, Security.TLS, password=PASSWORD)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        p.Profile("Work", profile.server, profile.account, password=PASSWORD)  # type: ignore[call-arg]
    for path in p.config_dir().rglob("*"):
        assert not path.is_file() or PASSWORD.encode() not in path.read_bytes()


def test_app_state_round_trip_and_refuses_secrets(config: Path) -> None:
    assert p.load_app_state() == {}
    state = {"geometry": "AdnQywADAAAAAAGb", "last_profile": "Work", "remember_password": True}
    p.save_app_state(state)
    assert p.load_app_state() == state
    for bad in (
        {"password": PASSWORD},
        {"window": {"smtp_password": PASSWORD}},
        {"t": [{"token": "x"}]},
    ):
        with pytest.raises(ValueError, match="secret"):
            p.save_app_state(bad)
    with pytest.raises(TypeError):
        p.save_app_state({"when": object()})
    assert p.load_app_state() == state  # the failed saves changed nothing
    assert PASSWORD.encode() not in (config / "app-state.json").read_bytes()


def test_damaged_app_state_is_moved_aside(config: Path) -> None:
    config.mkdir()
    (config / "app-state.json").write_text("{not json", "utf-8")
    assert p.load_app_state() == {}
    assert [f.name.split("-")[0] for f in config.iterdir()] == ["app"]
    assert next(config.iterdir()).name.startswith("app-state.json.corrupt-")


def test_unwritable_folder_gives_a_plain_error(config: Path) -> None:
    config.mkdir()
    (config / "profiles").write_text("a file where the folder should be", "utf-8")
    with pytest.raises(p.ProfileError, match=r"could not be saved.*may write to it"):
        p.save_profile(make_profile("Work"))
    assert list(p.list_profiles()) == []
