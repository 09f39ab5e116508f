"""Offline is not "no such name", and settings found but not testable are shown as exactly that.

"Offline" here is real: a DNS server that receives the questions and never answers (what a
machine without a route to its resolver sees), so every lookup times out.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from smtpwizard.cli import main

from .conftest import DiscoveryLab

ISPDB = Path(__file__).with_name("ispdb")


@pytest.fixture
def silent_dns() -> Iterator[str]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"127.0.0.1:{sock.getsockname()[1]}"


def test_probe_offline_says_so_once_and_does_not_blame_the_name(silent_dns, capsys) -> None:
    status = main(["probe", "smtp.example.test", "--dns-server", silent_dns, "--timeout", "2"])
    out, _ = capsys.readouterr()
    assert status == 1
    assert out.count("You seem to be offline") == 1
    assert "does not exist" not in out and "misspelled" not in out


def test_found_in_ispdb_but_offline_is_found_but_untested(
    lab: DiscoveryLab, silent_dns: str, capsys
) -> None:
    lab.serve_config("https://127.0.0.1/v1.1/strato.de", (ISPDB / "strato.de.xml").read_bytes())
    args = [
        "discover",
        "anna@strato.de",
        "--dns-server",
        silent_dns,
        "--ispdb-url",
        f"https://127.0.0.1:{lab.web.https_port}/v1.1/",
        "--ca-file",
        str(lab.ca_file),
        "--timeout",
        "2",
    ]
    status = main([*args, "--json"])
    data = json.loads(capsys.readouterr().out)
    assert status == 3
    assert data["recommended"] is None
    assert data["untested"]["host"] == "smtp.strato.de"
    assert (data["untested"]["port"], data["untested"]["security"]) == (465, "tls")
    assert data["untested"]["username"] == "anna@strato.de"
    assert "offline" in data["untested"]["why"].lower()
    assert data["summary"].startswith("Found smtp.strato.de:465")

    status = main(args)
    out = capsys.readouterr().out
    assert status == 3
    assert "Nothing works" not in out
    assert "Found but not tested: smtp.strato.de port 465 with SSL/TLS" in out
    assert "with without" not in out


def test_ispdb_entry_without_password_gets_no_username(lab: DiscoveryLab, capsys) -> None:
    lab.serve_config(
        "https://127.0.0.1/v1.1/kokuyou.ne.jp", (ISPDB / "kokuyou.ne.jp.xml").read_bytes()
    )
    args = [
        "discover",
        "anna@kokuyou.ne.jp",
        "--dns-server",
        f"{lab.dns.address[0]}:{lab.dns.address[1]}",
        "--ispdb-url",
        f"https://127.0.0.1:{lab.web.https_port}/v1.1/",
        "--ca-file",
        str(lab.ca_file),
        "--no-probe",
    ]
    status = main([*args, "--json"])
    data = json.loads(capsys.readouterr().out)
    assert status == 0
    assert data["recommended"]["host"] == "smtp.kokuyou.ne.jp"
    assert data["recommended"]["username"] is None
    notes = " ".join(data["notes"])
    assert "does not ask for a password" in notes
    assert "password would be readable" not in notes
    main(args)
    out = capsys.readouterr().out
    assert "Use: smtp.kokuyou.ne.jp port 25 without encryption, no sign-in" in out
    assert "with without" not in out
