"""A saved profile that signs in with OAuth2: `check --profile P` uses the kept sign-in with no
--auth, and `export --profile P` writes OAuth2 settings; against the real provider and Dovecot,
with the sign-in in a real Secret Service. A password profile stays a password profile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smtpwizard.core import profiles
from smtpwizard.core.settings import Account, Security, ServerSettings

from .provider import CLIENT_ID, RunningProvider
from .servers import Certs
from .test_oauth_cli import cli_login, run_cli

pytestmark = [pytest.mark.keychain, pytest.mark.timeout(120)]
GRACE = "grace@example.test"


def _save(name: str, dovecot: tuple[str, int, Path], method: profiles.SignInMethod) -> None:
    profiles.save_profile(
        profiles.Profile(
            name,
            ServerSettings(dovecot[0], dovecot[1], Security.STARTTLS, username=GRACE),
            Account(GRACE, "Grace"),
            sign_in=method,
        )
    )


def test_a_profile_signs_in_with_oauth2_and_exports_it(
    provider: RunningProvider,
    certs: Certs,
    dovecot: tuple[str, int, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SMTPWIZARD_CONFIG_DIR", str(tmp_path / "config"))  # the CLI's too
    method = profiles.SignInMethod(True, None, provider.issuer, CLIENT_ID, ("SMTP.Send",))
    _save("Grace at work", dovecot, method)
    _save("Grace by password", dovecot, profiles.SignInMethod())

    before = run_cli("check", "--profile", "Grace at work", "--ca-file", certs.ca, "--json")
    assert before.returncode == 1  # not signed in yet: said so, not asked for a password
    assert json.loads(before.stdout)["diagnosis"]["code"] == "oauth_not_signed_in"

    assert cli_login(provider, GRACE).returncode == 0
    check = run_cli("check", "--profile", "Grace at work", "--ca-file", certs.ca, "--json")
    report = json.loads(check.stdout)
    assert check.returncode == 0, report["diagnosis"]
    assert any("OAUTHBEARER" in (s["detail"] or "") for s in report["steps"])

    exported = run_cli("export", "--profile", "Grace at work", "--format", "thunderbird-userjs")
    assert exported.returncode == 0, exported.stderr
    assert 'authMethod", 10)' in exported.stdout  # nsMsgAuthMethod OAuth2
    msmtp = run_cli("export", "--profile", "Grace at work", "--format", "msmtp")
    assert "auth oauthbearer" in msmtp.stdout
    assert f'passwordeval "smtpwizard oauth token --user {GRACE}"' in msmtp.stdout
    asked = run_cli(
        "export", "--profile", "Grace at work", "--format", "msmtp", "--auth", "password"
    )
    assert "auth oauthbearer" not in asked.stdout  # an explicit --auth still wins

    # The password profile asks the keychain for a password (there is none), never for OAuth2.
    plain = run_cli("check", "--profile", "Grace by password", "--ca-file", certs.ca, "--json")
    assert plain.returncode == 2 and "password" in plain.stderr.lower(), plain
    password_export = run_cli("export", "--profile", "Grace by password", "--format", "msmtp")
    assert "auth oauthbearer" not in password_export.stdout
    assert run_cli("oauth", "logout", "--user", GRACE).returncode == 0
