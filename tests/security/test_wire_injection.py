"""CR, LF or NUL in anything we would put on the wire is refused before a single byte is sent.

Proved against a real lab server: after every refused attempt, one clean check runs on the
same endpoint, and the server must have seen exactly that one connection.
"""

from __future__ import annotations

import re
import socket

import pytest

from smtpwizard.cli import main
from smtpwizard.core.check import CheckOptions, run_check
from smtpwizard.core.errors import InputError
from smtpwizard.core.exporters import FORMATS, ValueNotRepresentable, render_export
from smtpwizard.core.settings import (
    Account,
    IncomingProtocol,
    IncomingServer,
    Security,
    ServerSettings,
)

_BAD = ("\r\nRSET", "\nQUIT", "\r", "\x00")


def _settings(ep, **changes) -> ServerSettings:
    base = ServerSettings(ep.host, ep.port, Security.STARTTLS, ep.username)
    return base.with_changes(**changes) if changes else base


async def _clean_check(ep, lab):
    options = CheckOptions(timeout=10, ca_file=str(lab.ca_file), send_to="bob@lab.test")
    return await run_check(_settings(ep), password=ep.password, options=options)


async def test_run_check_refuses_injection_before_connecting(lab):
    ep = lab.start("starttls_ok")
    ca = str(lab.ca_file)
    attempts = []
    for bad in _BAD:
        attempts += [
            (_settings(ep, host=ep.host + bad), ep.password, CheckOptions(ca_file=ca)),
            (_settings(ep, username=ep.username + bad), ep.password, CheckOptions(ca_file=ca)),
            (_settings(ep), ep.password, CheckOptions(ca_file=ca, send_to=f"bob@lab.test{bad}")),
            (
                _settings(ep),
                ep.password,
                CheckOptions(ca_file=ca, send_to="bob@lab.test", mail_from=f"a{bad}@lab.test"),
            ),
        ]
    attempts.append((_settings(ep), ep.password + "\x00", CheckOptions(ca_file=ca)))
    for settings, password, options in attempts:
        with pytest.raises(InputError) as caught:
            await run_check(settings, password=password, options=options)
        assert len(caught.value.message.split()) >= 4
    # The control: a clean check on the same endpoint is seen, and it is the only connection.
    result = await _clean_check(ep, lab)
    assert result.ok, result.diagnosis
    assert ep.wait_idle()
    assert ep.connections == 1
    assert len(ep.auth_attempts) == 1 and len(ep.messages) == 1
    # The EHLO name is ours, not the user's: an address literal of the local side.
    ehlo = [line for line in result.transcript if line.startswith("C: EHLO")]
    assert ehlo and all(re.fullmatch(r"C: EHLO \[127\.\d+\.\d+\.\d+\]", line) for line in ehlo)


def test_the_cli_refuses_injection_before_connecting(lab, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("SMTPWIZARD_CONFIG_DIR", str(tmp_path / "config"))
    ep = lab.start("starttls_ok")
    monkeypatch.setenv("SW_LAB_PASSWORD", ep.password)
    common = [f"--port={ep.port}", "--security=starttls", f"--ca-file={lab.ca_file}"]
    login = [f"--user={ep.username}", "--password-env=SW_LAB_PASSWORD"]
    for bad in _BAD:
        for argv in (
            ["check", f"--host={ep.host}{bad}", *common, *login],
            ["check", f"--host={ep.host}", *common, f"--user={ep.username}{bad}"],
            ["check", f"--host={ep.host}", *common, *login, f"--send-to=bob@lab.test{bad}"],
            [
                "check",
                f"--host={ep.host}",
                *common,
                *login,
                "--send-to=bob@lab.test",
                f"--from=anna{bad}@lab.test",
            ],
        ):
            assert main(argv) == 2
            out, err = capsys.readouterr()
            assert out == "" and ("line break" in err or "NUL" in err), err
    assert main(["check", f"--host={ep.host}", *common, *login, "--send-to=bob@lab.test"]) == 0
    assert ep.wait_idle()
    assert ep.connections == 1
    assert len(ep.messages) == 1


def test_the_connection_counter_sees_a_connection():
    """Without this, 'connections == 1' above could pass with a counter that never moves."""
    from tests.labkit import Lab

    with Lab() as own:
        ep = own.start("starttls_ok")
        assert ep.connections == 0
        with socket.create_connection((ep.host, ep.port), timeout=5):
            assert ep.wait_connections(1)
        assert ep.connections == 1


@pytest.mark.parametrize("fmt", [f.id for f in FORMATS])
@pytest.mark.parametrize("bad", _BAD)
def test_every_exporter_refuses_a_line_break_in_the_display_name(fmt: str, bad: str):
    incoming = IncomingServer(IncomingProtocol.IMAP, "imap.example.com", 993, Security.TLS, None)
    server = ServerSettings("smtp.example.com", 587, Security.STARTTLS, "anna@example.com")
    with pytest.raises(ValueNotRepresentable):
        render_export(fmt, server, Account("anna@example.com", f"Anna{bad}Bcc: x", incoming))
