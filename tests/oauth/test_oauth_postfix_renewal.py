"""The kept sign-in through a real Postfix: `smtpwizard check --auth oauth2` renews an expired
access token by itself, and explains a refresh token the provider has revoked. Access tokens
live 10 s here (their own provider), so expiry is real, and the check renews any token with
less than a minute left."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

from smtpwizard.core import oauth
from smtpwizard.core.check import run_check

from .conftest import expired, provider_config, sign_in_with_browser
from .postfix import OAuthLab
from .provider import RunningProvider, running_provider
from .servers import Certs
from .test_oauth_cli import run_cli

pytestmark = [pytest.mark.keychain, pytest.mark.timeout(120)]
GINA = "gina@example.test"
HANK = "hank@example.test"


@pytest.fixture(scope="module")
def provider(certs: Certs) -> Iterator[RunningProvider]:
    with running_provider(certs.cert, certs.key, certs.ca, access_token_ttl=10) as running:
        yield running


async def _signed_in(provider: RunningProvider, user: str) -> oauth.TokenSet:
    config = await provider_config(provider)
    tokens = await sign_in_with_browser(config, user)
    await oauth.save_sign_in(oauth.SignIn(user, config, tokens))
    return tokens


async def test_an_expired_token_is_renewed_and_the_message_delivered(
    provider: RunningProvider, oauth_lab: OAuthLab
) -> None:
    first = await _signed_in(provider, GINA)
    try:
        await expired(provider, first.access_token)
        with oauth_lab.fresh("expired", oauth_lab.introspection()):
            stale = await run_check(
                oauth_lab.settings("fresh", GINA),
                access_token=first.access_token,
                options=oauth_lab.options(),
            )
        assert stale.diagnosis.code == "oauth_token_rejected", stale.diagnosis  # Dovecot says no

        done = await asyncio.to_thread(
            run_cli, *oauth_lab.cli_args("submission", GINA), "--auth", "oauth2", "--send-to", GINA
        )

        report = json.loads(done.stdout)
        assert done.returncode == 0, report["diagnosis"]
        kept = await oauth.load_sign_in(GINA)
        assert kept is not None and kept.tokens.access_token != first.access_token  # renewed
        assert kept.tokens.access_token not in done.stdout + done.stderr
        message = await oauth_lab.delivered(report["message_id"])
        assert b"(Authenticated sender: gina@example.test)" in message
    finally:
        await oauth.sign_out(GINA)


async def test_a_revoked_refresh_token_asks_to_sign_in_again(
    provider: RunningProvider, oauth_lab: OAuthLab
) -> None:
    tokens = await _signed_in(provider, HANK)
    try:
        assert tokens.refresh_token is not None
        await asyncio.to_thread(provider.revoke, tokens.refresh_token)

        done = await asyncio.to_thread(
            run_cli, *oauth_lab.cli_args("submission", HANK), "--auth", "oauth2"
        )

        report = json.loads(done.stdout)
        assert done.returncode == 1
        assert report["diagnosis"]["code"] == "oauth_grant_invalid", report["diagnosis"]
        assert "Sign in again" in report["diagnosis"]["fix"]
    finally:
        await oauth.sign_out(HANK)
