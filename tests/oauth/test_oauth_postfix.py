"""OAuth2 through a real Postfix: submission (STARTTLS) and smtps (implicit TLS) with Dovecot
SASL offering XOAUTH2 and OAUTHBEARER, tokens from the real oidc-provider checked by Dovecot's
oauth2 passdb, and the test message really delivered (tests/oauth/postfix.py)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import pytest

from smtpwizard.core import oauth
from smtpwizard.core.check import CheckResult, run_check

from .conftest import logged, provider_config, sign_in_with_browser
from .postfix import OAuthLab
from .provider import RunningProvider
from .test_oauth_cli import run_cli

pytestmark = pytest.mark.timeout(120)
ALICE = "alice@example.test"
ERIN = "erin@example.test"


async def _check(
    lab: OAuthLab, listener: str, token: str, user: str = ALICE, send_to: str | None = None
) -> CheckResult:
    options = replace(lab.options(), send_to=send_to)
    return await run_check(lab.settings(listener, user), access_token=token, options=options)


def _auth_detail(result: CheckResult) -> str:
    return next(s for s in result.steps if s.name.value == "auth").detail


@pytest.mark.parametrize("listener", ["submission", "smtps"])
async def test_oauthbearer_through_postfix(
    provider: RunningProvider, oauth_lab: OAuthLab, listener: str
) -> None:
    tokens = await sign_in_with_browser(await provider_config(provider), ALICE)

    result = await _check(oauth_lab, listener, tokens.access_token, send_to=ALICE)

    assert result.ok, result.diagnosis
    assert result.server.auth_mechanisms == ["XOAUTH2", "OAUTHBEARER"]  # Dovecot's, via Postfix
    assert "OAUTHBEARER" in _auth_detail(result)
    assert tokens.access_token not in "\n".join(result.transcript)
    # Postfix's own record: Dovecot's answer made this client alice, and the message arrived.
    await logged(
        oauth_lab.postfix.log_text, "sasl_method=OAUTHBEARER, sasl_username=alice@example.test"
    )
    assert result.message_id is not None
    assert b"Authenticated sender: alice@example.test" in await oauth_lab.delivered(
        result.message_id
    )


async def test_xoauth2_through_postfix(provider: RunningProvider, oauth_lab: OAuthLab) -> None:
    tokens = await sign_in_with_browser(await provider_config(provider), ALICE)

    result = await _check(oauth_lab, "xoauth2", tokens.access_token, send_to=ALICE)

    assert result.ok, result.diagnosis
    assert result.server.auth_mechanisms == ["XOAUTH2"]  # smtpd_sasl_mechanism_filter
    assert "XOAUTH2" in _auth_detail(result)
    await logged(
        oauth_lab.postfix.log_text, "sasl_method=XOAUTH2, sasl_username=alice@example.test"
    )


@pytest.mark.parametrize(
    ("listener", "mechanism", "challenge"),
    [
        ("fresh", "OAUTHBEARER", '{"status": "invalid_token"}'),
        ("fresh-xoauth2", "XOAUTH2", '{"status": "401", "schemes": "bearer", "scope": "mail"}'),
    ],
)
async def test_dovecots_error_challenge_through_postfix(
    provider: RunningProvider,
    oauth_lab: OAuthLab,
    listener: str,
    mechanism: str,
    challenge: str,
) -> None:
    """A token for another address: Dovecot's JSON challenge comes as Postfix's 334, our
    dummy answer goes back through it, and Postfix gives the final 535."""
    tokens = await sign_in_with_browser(await provider_config(provider), "mallory@example.test")
    with oauth_lab.fresh(f"challenge-{mechanism}", oauth_lab.introspection()) as log:
        result = await _check(oauth_lab, listener, tokens.access_token)
        await logged(log.read_text, "oauth2(alice@example.test,127.0.0.1")

    assert result.diagnosis.code == "oauth_token_rejected", result.diagnosis
    assert result.diagnosis.technical.startswith("535 5.7.8 Error: authentication failed")
    assert f"after {mechanism} error {challenge}" in result.diagnosis.technical
    transcript = "\n".join(result.transcript)
    assert "S: 334 " in transcript and tokens.access_token not in transcript
    assert "AUTH aborted" not in oauth_lab.postfix.log_text()


async def test_wrong_scope_through_postfix(provider: RunningProvider, oauth_lab: OAuthLab) -> None:
    config = await provider_config(provider, scopes=("openid", "offline_access", "Other.Read"))
    tokens = await sign_in_with_browser(config, ALICE)
    with oauth_lab.fresh("scope", oauth_lab.introspection()) as log:
        result = await _check(oauth_lab, "fresh", tokens.access_token)
        await logged(log.read_text, "Token is not valid for scope 'SMTP.Send'")

    assert result.diagnosis.code == "oauth_token_rejected", result.diagnosis
    assert "mail-sending permission" in result.diagnosis.fix


@pytest.mark.keychain
async def test_cli_check_auth_oauth2_delivers_the_test_message(
    provider: RunningProvider, oauth_lab: OAuthLab
) -> None:
    config = await provider_config(provider)
    tokens = await sign_in_with_browser(config, ALICE)
    await oauth.save_sign_in(oauth.SignIn(ALICE, config, tokens))
    try:
        done = await asyncio.to_thread(
            run_cli,
            *oauth_lab.cli_args("submission", ALICE),
            "--auth",
            "oauth2",
            "--send-to",
            ALICE,
        )
    finally:
        await oauth.sign_out(ALICE)

    report = json.loads(done.stdout)
    assert done.returncode == 0, report["diagnosis"]
    assert tokens.access_token not in done.stdout + done.stderr
    message = await oauth_lab.delivered(report["message_id"])
    headers = message.split(b"\n\n", 1)[0].decode()
    assert "Subject: smtpwizard test message" in headers
    # Postfix's Received line: signed in (ESMTPSA) as alice, through the OAuth2 sign-in.
    assert "(Authenticated sender: alice@example.test)" in headers
    assert "with ESMTPSA" in headers


async def test_cli_oauth_token_env_over_implicit_tls_delivers(
    provider: RunningProvider, oauth_lab: OAuthLab
) -> None:
    tokens = await sign_in_with_browser(await provider_config(provider), ERIN)

    done = await asyncio.to_thread(
        run_cli,
        *oauth_lab.cli_args("smtps", ERIN),
        "--oauth-token-env",
        "SUPPORT_DESK_TOKEN",
        "--send-to",
        ALICE,
        env={"SUPPORT_DESK_TOKEN": tokens.access_token},
    )

    report = json.loads(done.stdout)
    assert done.returncode == 0, report["diagnosis"]
    assert tokens.access_token not in done.stdout + done.stderr
    assert any("OAUTHBEARER" in (s["detail"] or "") for s in report["steps"])
    message = await oauth_lab.delivered(report["message_id"])
    assert b"(Authenticated sender: erin@example.test)" in message
    assert b"From: erin@example.test" in message or b"From: <erin@example.test>" in message
