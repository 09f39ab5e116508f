"""OAuth2 end to end with real parts nobody here wrote: oidc-provider issues the tokens through
its own login and consent pages, Dovecot's oauth2 passdb checks them for its submission
service, and our check signs in with OAUTHBEARER or XOAUTH2."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import pytest

from smtpwizard.core import oauth
from smtpwizard.core.check import CheckOptions, run_check
from smtpwizard.core.settings import Security, ServerSettings

from .conftest import logged, provider_config, sign_in_with_browser
from .provider import Browser, RunningProvider
from .servers import Certs, running_exchange

pytestmark = pytest.mark.timeout(90)
ALICE = "alice@example.test"


def _settings(server: tuple[str, int, Path], user: str = ALICE) -> ServerSettings:
    return ServerSettings(server[0], server[1], Security.STARTTLS, username=user)


async def _check(server: tuple[str, int, Path], certs: Certs, token: str, user: str = ALICE):
    return await run_check(
        _settings(server, user), access_token=token, options=CheckOptions(ca_file=certs.ca)
    )


def _assert_token_hidden(lines: list[str], token: str, user: str) -> None:
    text = "\n".join(lines)
    assert token not in text
    for raw in (f"user={user}\x01auth=Bearer {token}\x01\x01",):
        assert base64.b64encode(raw.encode()).decode() not in text
    assert token[:12] not in text


async def test_browser_sign_in_then_oauthbearer_on_dovecot(
    provider: RunningProvider, certs: Certs, dovecot: tuple[str, int, Path]
) -> None:
    config = await provider_config(provider)
    tokens = await sign_in_with_browser(config, ALICE)
    assert tokens.refresh_token, "offline_access must give a refresh token"
    assert provider.introspect(tokens.access_token)["scope"] == "SMTP.Send"

    result = await _check(dovecot, certs, tokens.access_token)

    assert result.ok, result.diagnosis
    auth = next(s for s in result.steps if s.name.value == "auth")
    assert "OAUTHBEARER" in auth.detail
    assert "AUTH OAUTHBEARER <hidden" in "\n".join(result.transcript)
    _assert_token_hidden(result.transcript, tokens.access_token, ALICE)
    # Dovecot's own record: the sign-in was the token's owner's, with that mechanism.
    await logged(dovecot[2].read_text, "Login: user=<alice@example.test>, method=OAUTHBEARER")


@pytest.mark.parametrize("dovecot", ["xoauth2"], indirect=True)
async def test_xoauth2_when_the_server_offers_only_that(
    provider: RunningProvider, certs: Certs, dovecot: tuple[str, int, Path]
) -> None:
    config = await provider_config(provider)
    tokens = await sign_in_with_browser(config, ALICE)

    result = await _check(dovecot, certs, tokens.access_token)

    assert result.ok, result.diagnosis
    assert result.server.auth_mechanisms == ["XOAUTH2"]
    assert "XOAUTH2" in next(s for s in result.steps if s.name.value == "auth").detail
    _assert_token_hidden(result.transcript, tokens.access_token, ALICE)
    await logged(dovecot[2].read_text, "Login: user=<alice@example.test>, method=XOAUTH2")


async def test_a_token_for_another_address_is_refused(
    provider: RunningProvider, certs: Certs, dovecot: tuple[str, int, Path]
) -> None:
    config = await provider_config(provider)
    tokens = await sign_in_with_browser(config, "mallory@example.test")

    result = await _check(dovecot, certs, tokens.access_token, user=ALICE)

    assert result.diagnosis.code == "oauth_token_rejected", result.diagnosis
    assert result.diagnosis.step == "auth"
    _assert_token_hidden(result.transcript, tokens.access_token, ALICE)


async def test_wrong_scope_is_refused_and_explained(
    provider: RunningProvider, certs: Certs, dovecot: tuple[str, int, Path]
) -> None:
    config = await provider_config(provider, scopes=("openid", "offline_access", "Other.Read"))
    tokens = await sign_in_with_browser(config, ALICE)
    assert provider.introspect(tokens.access_token)["scope"] == "Other.Read"

    result = await _check(dovecot, certs, tokens.access_token)

    # Dovecot answers "invalid_token" for a token without the scope (its log says why).
    assert result.diagnosis.code == "oauth_token_rejected", result.diagnosis
    assert "mail-sending permission" in result.diagnosis.fix
    await logged(dovecot[2].read_text, "Token is not valid for scope 'SMTP.Send'")


async def test_cancelled_consent_is_explained(provider: RunningProvider) -> None:
    config = await provider_config(provider)
    with pytest.raises(oauth.OAuthFailure) as caught:
        await sign_in_with_browser(config, ALICE, allow=False)
    assert caught.value.code == "oauth_consent_denied"
    assert "access_denied" in caught.value.technical
    assert "Start the sign-in again" in caught.value.fix


async def test_device_sign_in(
    provider: RunningProvider, certs: Certs, dovecot: tuple[str, int, Path]
) -> None:
    config = await provider_config(provider)
    shown: list[oauth.DeviceCode] = []
    person: list[asyncio.Future[None]] = []
    browser = Browser(certs.ca, "dave@example.test")

    def show(code: oauth.DeviceCode) -> None:
        shown.append(code)
        person.append(
            asyncio.ensure_future(
                asyncio.to_thread(browser.enter_code, code.verification_uri, code.user_code)
            )
        )

    try:
        tokens = await oauth.device_sign_in(config, show)
        await person[0]
    finally:
        browser.close()

    assert shown[0].verification_uri == f"{provider.issuer}/device"
    assert provider.introspect(tokens.access_token)["sub"] == "dave@example.test"
    result = await _check(dovecot, certs, tokens.access_token, user="dave@example.test")
    assert result.ok, result.diagnosis


async def test_unknown_client_id(provider: RunningProvider) -> None:
    config = (await provider_config(provider)).with_client("nobody-registered-this")
    with pytest.raises(oauth.OAuthFailure) as caught:
        await oauth.device_sign_in(config, lambda code: None)
    assert caught.value.code == "oauth_client_unknown"
    assert "nobody-registered-this" in caught.value.explanation


async def test_smtp_auth_disabled_for_the_mailbox(provider: RunningProvider, certs: Certs) -> None:
    config = await provider_config(provider)
    tokens = await sign_in_with_browser(config, ALICE)
    async with running_exchange(provider, certs) as (host, port, exchange):
        result = await _check((host, port, Path()), certs, tokens.access_token)
    assert exchange.introspected and exchange.introspected[0]["active"] is True
    assert result.diagnosis.code == "oauth_smtp_disabled", result.diagnosis
    assert "5.7.139" in result.diagnosis.technical
    assert "Set-CASMailbox" in result.diagnosis.fix
    assert "Authenticated SMTP" in result.diagnosis.fix
    _assert_token_hidden(result.transcript, tokens.access_token, ALICE)
