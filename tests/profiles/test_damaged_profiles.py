"""A damaged profile file is reported in plain words and moved aside; the good ones still load
and nothing hangs (a FIFO, a huge file)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from smtpwizard.core import profiles as p

from .conftest import make_profile


def good_data() -> dict[str, Any]:
    return make_profile("Broken").to_dict()


def with_change(path: tuple[str, ...], value: object) -> bytes:
    data = good_data()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return json.dumps(data).encode()


DAMAGE: dict[str, bytes] = {
    "not-json": b'{"format": "smtpwizard-profile", "version": 1, "name": ',
    "not-utf8": b'{"name": "\xff\xfe"}',
    "not-an-object": b"[1, 2, 3]",
    "not-a-profile": b'{"hello": "world"}',
    "port-as-text": with_change(("server", "port"), "587"),
    "port-as-bool": with_change(("server", "port"), True),
    "port-out-of-range": with_change(("server", "port"), 70000),
    "unknown-security": with_change(("server", "security"), "ssl3"),
    "host-with-crlf": with_change(("server", "host"), "smtp.example.com\r\nRCPT TO:<x>"),
    "host-with-port": with_change(("server", "host"), "smtp.example.com:25"),
    "username-with-nul": with_change(("server", "username"), "anna\x00"),
    "insecure-flag-as-text": with_change(("server", "allow_insecure_auth"), "false"),
    "bad-fingerprint": with_change(("server", "trusted_fingerprint"), "abc"),
    "bad-email": with_change(("account", "email"), "not an address"),
    "bad-protocol": with_change(("account", "incoming", "protocol"), "smtp"),
    "bad-when": with_change(("last_check", "when"), "yesterday"),
    "bad-diagnosis": with_change(("last_check", "diagnosis"), "x" * 500),
    "missing-account": with_change(("account",), None),
    "deep-nesting": b"[" * 100_000 + b"]" * 100_000,
    "huge": b'{"pad": "' + b"x" * (p.MAX_FILE_BYTES + 10) + b'"}',
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_file_is_moved_aside_and_reported(damage: str) -> None:
    good = p.save_profile(make_profile("Good"))
    bad = p.profiles_dir() / "broken.json"
    bad.write_bytes(DAMAGE[damage])
    listing = p.list_profiles()
    assert [s.name for s in listing] == ["Good"]
    assert len(listing.problems) == 1
    problem = listing.problems[0]
    assert problem.path == bad and problem.moved_to is not None
    assert problem.moved_to.name.startswith("broken.json.corrupt-")
    assert problem.moved_to.read_bytes() == DAMAGE[damage]  # kept, for the user to recover
    assert "broken.json is damaged" in problem.message and "moved aside" in problem.message
    assert not bad.exists() and good.exists()
    assert p.list_profiles().problems == []  # reported once, not on every start


def test_load_of_a_damaged_profile_says_so_and_moves_it() -> None:
    path = p.save_profile(make_profile("Work"))
    path.write_bytes(DAMAGE["unknown-security"])
    with pytest.raises(p.ProfileError) as caught:
        p.load_profile("Work")
    error = caught.value
    assert error.moved_to is not None and error.moved_to.exists() and not path.exists()
    assert "starttls, tls, none" in error.message
    p.save_profile(make_profile("Work"))  # the name is free again
    assert p.load_profile("Work") == make_profile("Work")


def test_a_fifo_does_not_hang_the_listing() -> None:
    p.save_profile(make_profile("Good"))
    fifo = p.profiles_dir() / "pipe.json"
    os.mkfifo(fifo)
    listing = p.list_profiles()
    assert [s.name for s in listing] == ["Good"]
    assert "not a regular file" in listing.problems[0].message


def test_a_newer_format_is_reported_but_left_alone() -> None:
    path = p.profiles_dir() / "future.json"
    p.save_profile(make_profile("Good"))
    path.write_text(json.dumps({**good_data(), "version": 2}), "utf-8")
    listing = p.list_profiles()
    assert [s.name for s in listing] == ["Good"]
    assert (
        listing.problems[0].moved_to is None and "newer smtpwizard" in listing.problems[0].message
    )
    assert path.exists()


def test_unknown_keys_are_ignored_on_load(tmp_path: Path) -> None:
    data = good_data()
    data["added_by_a_later_minor_version"] = {"x": 1}
    path = p.profiles_dir()
    path.mkdir(parents=True)
    (path / "broken.json").write_text(json.dumps(data), "utf-8")
    assert p.load_profile("Broken").name == "Broken"
