"""`smtpwizard oauth login|token|logout` and `check --auth oauth2` as a user runs them, against
the real provider and Dovecot, with the sign-in in a real Secret Service; and msmtp, a real
consumer, sending through Dovecot with `auth oauthbearer` and `passwordeval` calling our
`oauth token` helper."""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from .provider import CLIENT_ID, Browser, RunningProvider
from .servers import Certs

pytestmark = [pytest.mark.keychain, pytest.mark.timeout(120)]
SMTPWIZARD = [sys.executable, "-m", "smtpwizard"]
ALICE = "alice@example.test"


def cli_login(
    provider: RunningProvider, user: str, *extra: str, where: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`oauth login` with the browser step done by a test person at the provider's pages;
    `where` replaces the --issuer/--scope/--client-id/--ca-file arguments."""
    if where is None:
        where = ["--issuer", provider.issuer, "--scope", "SMTP.Send", "--client-id", CLIENT_ID]
        where += ["--ca-file", provider.ca_file]
    proc = subprocess.Popen(
        [*SMTPWIZARD, "oauth", "login", *where, "--user", user, "--no-browser", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 30
    url = None
    seen = b""
    # Raw reads: a buffered readline would swallow the next line out of select()'s sight.
    while url is None and time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(proc.stderr.fileno(), 65536) if ready else b""
        if not chunk:
            break
        seen += chunk
        url = next(
            (w for w in seen.decode(errors="replace").split() if w.startswith("https://")), None
        )
        if url is not None and not seen.endswith(b"\n"):
            url = None  # the address may still be arriving
    assert url is not None, ("no sign-in address was printed", seen)
    browser = Browser(provider.ca_file, user)
    try:
        target = browser.open(url)
        assert httpx.get(target, timeout=10).status_code == 200
    finally:
        browser.close()
    out, err = proc.communicate(timeout=30)
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, out.decode(), (seen + err).decode(errors="replace")
    )


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SMTPWIZARD, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )


def _server_args(dovecot: tuple[str, int, Path], user: str) -> list[str]:
    return [
        "--host",
        dovecot[0],
        "--port",
        str(dovecot[1]),
        "--security",
        "starttls",
        "--user",
        user,
    ]


def _check_args(dovecot: tuple[str, int, Path], certs: Certs, user: str = ALICE) -> list[str]:
    return ["check", *_server_args(dovecot, user), "--ca-file", certs.ca, "--json"]


def test_login_token_check_logout(
    provider: RunningProvider, certs: Certs, dovecot: tuple[str, int, Path]
) -> None:
    login = cli_login(provider, ALICE, "--json")
    assert login.returncode == 0, login
    assert json.loads(login.stdout) == {
        "ok": True,
        "user": ALICE,
        "provider": "127.0.14.1",
        "scope": "SMTP.Send",
    }

    token = run_cli("oauth", "token", "--user", ALICE)
    assert token.returncode == 0, token.stderr
    access = token.stdout.strip()
    assert token.stdout == access + "\n" and provider.introspect(access)["active"] is True

    check = run_cli(*_check_args(dovecot, certs), "--auth", "oauth2")
    report = json.loads(check.stdout)
    assert check.returncode == 0, report["diagnosis"]
    assert access not in check.stdout  # the token is never in a report
    assert any("OAUTHBEARER" in (s["detail"] or "") for s in report["steps"])

    logout = run_cli("oauth", "logout", "--user", ALICE, "--json")
    assert json.loads(logout.stdout) == {"ok": True, "user": ALICE, "was_signed_in": True}

    after = run_cli("oauth", "token", "--user", ALICE)
    assert after.returncode == 1 and after.stdout == ""
    assert "You are not signed in" in after.stderr
    gone = run_cli(*_check_args(dovecot, certs), "--auth", "oauth2")
    assert gone.returncode == 1
    assert json.loads(gone.stdout)["diagnosis"]["code"] == "oauth_not_signed_in"


def test_check_with_a_token_from_the_environment(
    provider: RunningProvider, certs: Certs, dovecot: tuple[str, int, Path]
) -> None:
    assert cli_login(provider, "erin@example.test").returncode == 0
    access = run_cli("oauth", "token", "--user", "erin@example.test").stdout.strip()

    good = run_cli(
        *_check_args(dovecot, certs, "erin@example.test"),
        "--oauth-token-env",
        "MY_TOKEN",
        env={"MY_TOKEN": access},
    )
    assert good.returncode == 0, good.stdout
    assert access not in good.stdout

    # A token for another address: refused by Dovecot, explained, exit 1.
    bad = run_cli(
        *_check_args(dovecot, certs, ALICE),
        "--oauth-token-env",
        "MY_TOKEN",
        env={"MY_TOKEN": access},
    )
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["diagnosis"]["code"] == "oauth_token_rejected"
    assert access not in bad.stdout

    unset = run_cli(*_check_args(dovecot, certs), "--oauth-token-env", "NOT_SET_ANYWHERE")
    assert unset.returncode == 2 and "NOT_SET_ANYWHERE" in unset.stderr


def test_msmtp_sends_with_passwordeval_oauth_token(
    provider: RunningProvider,
    certs: Certs,
    dovecot: tuple[str, int, Path],
    relay: tuple[str, int, object],
    tmp_path: Path,
) -> None:
    assert shutil.which("msmtp"), "msmtp is installed by scripts/apt-packages-test.txt"
    assert cli_login(provider, "frank@example.test").returncode == 0
    # Our own msmtp export, as a user would save it; only the test CA is added to it.
    exported = run_cli(
        "export",
        "--format",
        "msmtp",
        *_server_args(dovecot, "frank@example.test"),
        "--email",
        "frank@example.test",
        "--auth",
        "oauth2",
    )
    assert exported.returncode == 0, exported.stderr
    assert "auth oauthbearer" in exported.stdout
    assert 'passwordeval "smtpwizard oauth token --user frank@example.test"' in exported.stdout
    config = tmp_path / "msmtprc"
    config.write_text(exported.stdout.replace("tls on\n", f"tls on\ntls_trust_file {certs.ca}\n"))
    config.chmod(0o600)
    # `smtpwizard` is found on PATH, as after an install.
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    sent = subprocess.run(
        ["msmtp", "-C", str(config), "-d", "somebody@example.test"],
        input="Subject: hello\n\nsent with an OAuth2 token\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "AUTH OAUTHBEARER" in sent.stdout + sent.stderr
    sink = relay[2]
    assert any(b"sent with an OAuth2 token" in m.content for m in sink.messages)  # type: ignore[attr-defined]


def test_login_with_a_device_code(provider: RunningProvider) -> None:
    proc = subprocess.Popen(
        [
            *SMTPWIZARD,
            "oauth",
            "login",
            "--device",
            "--issuer",
            provider.issuer,
            "--scope",
            "SMTP.Send",
            "--client-id",
            CLIENT_ID,
            "--user",
            "hana@example.test",
            "--ca-file",
            provider.ca_file,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    said = b""
    deadline = time.monotonic() + 30
    while b"minutes)" not in said and time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(proc.stderr.fileno(), 65536) if ready else b""
        if not chunk:
            break
        said += chunk
    words = said.decode().split()
    page = words[words.index("open") + 1]
    code = words[words.index("code") + 1]
    assert page == f"{provider.issuer}/device"
    browser = Browser(provider.ca_file, "hana@example.test")
    try:
        browser.enter_code(page, code)
    finally:
        browser.close()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert b"Signed in as hana@example.test" in out
    token = run_cli("oauth", "token", "--user", "hana@example.test")
    assert provider.introspect(token.stdout.strip())["sub"] == "hana@example.test"
    assert run_cli("oauth", "logout", "--user", "hana@example.test").returncode == 0
