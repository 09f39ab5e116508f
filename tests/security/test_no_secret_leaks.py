"""No secret on disk or on screen: the CLI flows with a unique password, then a scan of everything.

Every flow runs against lab servers that know the password, with an isolated HOME, XDG folders
and config folder, and Python logging at DEBUG. Afterwards the scan covers every file under
HOME (the config folder is inside it), stdout and stderr, the log records, the JSON reports and
their transcripts, and the messages the lab received. The scanner's own self-tests prove it
would find the password in each of the forms it looks for.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from smtpwizard.cli import main
from smtpwizard.core.check import REDACTED
from smtpwizard.core.exporters import FORMATS, render_export
from smtpwizard.core.settings import (
    Account,
    IncomingProtocol,
    IncomingServer,
    Security,
    ServerSettings,
)
from tests.labkit import Lab

from .secret_scan import PASSWORD, USERNAME, find, needles, scan_records, scan_tree

HAVE_KEYRING = os.environ.get("SMTPWIZARD_TEST_KEYRING") == "1"
needs_keyring = pytest.mark.skipif(
    not HAVE_KEYRING,
    reason="needs the private Secret Service of scripts/with-keyring (SMTPWIZARD_TEST_KEYRING=1)",
)


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with Lab(username=USERNAME, password=PASSWORD) as running:
        yield running


@pytest.fixture
def home(tmp_path, monkeypatch, caplog) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name, sub in (("XDG_CONFIG_HOME", ".config"), ("XDG_DATA_HOME", ".local/share")):
        monkeypatch.setenv(name, str(home / sub))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local/state"))
    monkeypatch.setenv("SMTPWIZARD_CONFIG_DIR", str(home / ".config" / "smtpwizard"))
    monkeypatch.setenv("SW_PW", PASSWORD)
    caplog.set_level(logging.DEBUG)
    return home


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def _server(ep, lab, *extra: str, security: str | None = None) -> list[str]:
    return [
        f"--host={ep.host}",
        f"--port={ep.port}",
        f"--security={security or ep.security.value}",
        f"--ca-file={lab.ca_file}",
        "--timeout=10",
        *extra,
    ]


_LOGIN = (f"--user={USERNAME}", "--password-env=SW_PW")


def _assert_nothing_leaked(home: Path, texts: list[str], caplog, lab_endpoints=()) -> None:
    hits = scan_tree(home)
    for index, text in enumerate(texts):
        hits += [f"output #{index}: {name}" for name in find(text)]
    hits += scan_records(caplog.records)
    for ep in lab_endpoints:
        for message in ep.messages:
            hits += [f"message to {message.rcpt_tos}: {n}" for n in find(message.data)]
    assert hits == []


def _auth_lines(report: dict) -> list[str]:
    return [line for line in report["transcript"] if line.startswith("C: AUTH")]


def test_check_flows_leak_nothing(lab, home, capsys, caplog):
    outputs: list[str] = []
    good = lab.start("starttls_ok")
    # Success, human and JSON, with a test message.
    for extra in ([], ["--json"], ["--json", "--send-to=bob@lab.test"]):
        rc, out, err = _run(["check", *_server(good, lab), *_LOGIN, *extra], capsys)
        assert rc == 0, out + err
        outputs += [out, err]
    report = json.loads(outputs[-2])
    assert report["message_sent"] and good.wait_messages(1)
    assert _auth_lines(report) == [f"C: AUTH PLAIN {REDACTED}"]
    assert len(good.auth_attempts) == 3
    # Sign-in refused (the password did reach the server), wrong security, plaintext.
    refused = lab.start("gmail_app_password")
    tls = lab.start("tls_ok")
    plain = lab.start("plain_ok")
    for ep, extra, security in (
        (refused, [], None),
        (tls, [], "starttls"),  # the wrong encryption for this port
        (plain, [], None),  # no encryption: the password is not sent
        (plain, ["--allow-insecure-auth"], None),  # sent, by explicit choice
    ):
        for mode in ([], ["--json"]):
            argv = ["check", *_server(ep, lab, security=security), *_LOGIN, *extra, *mode]
            rc, out, err = _run(argv, capsys)
            outputs += [out, err]
            if mode:
                report = json.loads(out)
                assert rc == (0 if report["ok"] else 1)
                for line in _auth_lines(report):
                    assert line == f"C: AUTH PLAIN {REDACTED}", line
    assert refused.auth_attempts, "the refused sign-in must really have sent the password"
    assert len(plain.auth_attempts) == 2  # only the two runs that allowed it
    assert json.loads(outputs[-2])["ok"]
    _assert_nothing_leaked(home, outputs, caplog, [good, refused, tls, plain])


def test_probe_and_discover_leak_nothing(lab, home, capsys, caplog):
    ep = lab.start("starttls_ok")
    closed = _closed_port()
    outputs = []
    for argv in (
        ["probe", ep.host, f"--ports={ep.port}/starttls", f"--ca-file={lab.ca_file}"],
        ["probe", ep.host, f"--ports={ep.port}/starttls", f"--ca-file={lab.ca_file}", "--json"],
        [
            "discover",
            USERNAME,
            "--no-probe",
            "--timeout=1",
            f"--dns-server=127.0.0.1:{closed}",
            f"--ispdb-url=https://127.0.0.1:{closed}/",  # https only (issue 10)
            "--json",
        ],
    ):
        rc, out, err = _run(argv, capsys)
        assert rc in (0, 1), err
        outputs += [out, err]
    assert ep.auth_attempts == []  # probing never signs in
    _assert_nothing_leaked(home, outputs, caplog)


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_INCOMING_ARGS = ("--incoming-host=imap.lab.test",)


def test_exports_carry_the_password_only_when_asked(lab, home, tmp_path, capsys, caplog):
    ep = lab.start("starttls_ok")
    # By name: Postfix and s-nail can only check a certificate against one, so they refuse an
    # IP address (the lab's certificates name localhost too). Nothing connects here.
    server = ["--host=localhost", *_server(ep, lab)[1:3]]  # host, port, security
    outputs = []
    folder = home / "exports"
    for fmt in FORMATS:
        base = ["export", f"--format={fmt.id}", *server, f"--user={USERNAME}"]
        base += [f"--email={USERNAME}", *_INCOMING_ARGS]
        rc, out, err = _run([*base, "-o", str(folder / fmt.id)], capsys)
        assert rc == 0, err
        outputs += [out, err]
        if not fmt.binary:
            rc, out, err = _run(base, capsys)
            assert rc == 0 and out, err
            outputs += [out, err]
    assert len(list(folder.iterdir())) == len(FORMATS)
    _assert_nothing_leaked(home, outputs, caplog)

    # With --include-password (kept outside the scanned HOME): present, and readable by you only.
    secret = tmp_path / "with-password"
    carried = [fmt for fmt in FORMATS if fmt.can_carry_password]
    assert len(carried) >= 10
    for fmt in carried:
        argv = ["export", f"--format={fmt.id}", *server, *_LOGIN, f"--email={USERNAME}"]
        rc, out, err = _run([*argv, "--include-password", "-o", str(secret / fmt.id)], capsys)
        assert rc == 0, err
        written = (secret / fmt.id).read_bytes()
        assert (secret / fmt.id).stat().st_mode & 0o777 == 0o600
        assert find(written), f"{fmt.id} should hold the password in some form"
        assert find(out + err) == []


def test_core_exports_ignore_a_password_that_was_not_asked_for():
    incoming = IncomingServer(IncomingProtocol.IMAP, "imap.lab.test", 993, Security.TLS, None)
    settings = ServerSettings("smtp.lab.test", 587, Security.STARTTLS, USERNAME)
    account = Account(USERNAME, "Anna Lab", incoming)
    for fmt in FORMATS:
        result = render_export(fmt.id, settings, account, password=PASSWORD)
        assert not result.contains_password
        assert find(result.data) == [], fmt.id


@needs_keyring
@pytest.mark.keychain
def test_check_and_export_with_the_keychain_leak_nothing(lab, home, capsys, caplog):
    from smtpwizard.core.credentials import (
        credential_key,
        delete_password_sync,
        load_password_sync,
        save_password_sync,
    )
    from smtpwizard.core.profiles import Profile, save_profile

    ep = lab.start("starttls_ok")
    settings = ServerSettings(ep.host, ep.port, Security.STARTTLS, USERNAME)
    save_profile(Profile("lab", settings, Account(USERNAME, "Anna Lab")))
    key = credential_key(settings)
    save_password_sync(key, PASSWORD)
    outputs = []
    try:
        for argv in (
            ["check", "--profile=lab", f"--ca-file={lab.ca_file}"],
            ["check", "--profile=lab", "--keyring", f"--ca-file={lab.ca_file}", "--json"],
            ["export", "--format=msmtp", "--profile=lab"],
            ["export", "--format=settings-json", "--profile=lab"],
        ):
            rc, out, err = _run(argv, capsys)
            assert rc == 0, err
            outputs += [out, err]
        assert len(ep.auth_attempts) == 2 and all(a.encrypted for a in ep.auth_attempts)
        assert load_password_sync(key) == PASSWORD  # it really was in the keychain
    finally:
        delete_password_sync(key)
    _assert_nothing_leaked(home, outputs, caplog, [ep])


# --- the scanner's self-tests: each form it looks for is found ---------------------------------


def test_the_scanner_finds_the_password_in_a_file(home):
    assert scan_tree(home) == []
    (home / ".config").mkdir()
    for index, (name, needle) in enumerate(needles().items()):
        path = home / ".config" / f"leak-{index}"
        path.write_bytes(b"prefix " + needle + b" suffix")
        assert any(name in hit for hit in scan_tree(home)), name
        path.unlink()
    assert scan_tree(home) == []


def test_the_scanner_finds_encoded_payloads_as_a_client_sends_them():
    import base64

    plain = base64.b64encode(f"\0{USERNAME}\0{PASSWORD}".encode()).decode()
    login = base64.b64encode(PASSWORD.encode()).decode()
    assert find(f"AUTH PLAIN {plain}")
    assert find(f"334 VXNlcm5hbWU6\r\n{login}\r\n")
    assert find(json.dumps({"pw": PASSWORD}))  # ensure_ascii escapes the non-ASCII part
    assert find(f"AUTH PLAIN {REDACTED}") == []


def test_the_scanner_finds_the_password_in_a_log_record(caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("smtpwizard.core.something").debug("sending %s", PASSWORD)
    logging.getLogger("mail.log").debug("server side: %s", PASSWORD)
    hits = scan_records(caplog.records)
    assert hits and all("smtpwizard.core.something" in hit for hit in hits)


def test_transcripts_redact_login_and_xoauth2_too():
    """The lab's servers offer PLAIN first, so run_check always picks PLAIN against them, and
    the lab has no LOGIN-only server. LOGIN and XOAUTH2 redaction are proved by
    tests/check/test_check_security.py::test_login_and_xoauth2_payloads_are_redacted; this
    test makes sure that proof is still there."""
    source = Path(__file__).parents[1] / "check" / "test_check_security.py"
    text = source.read_text()
    assert "def test_login_and_xoauth2_payloads_are_redacted" in text
