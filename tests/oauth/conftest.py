"""The real parts of the OAuth2 tests: oidc-provider, Dovecot submission, a relay sink."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from smtpwizard.core import credentials, oauth

from .dovecot import running_dovecot
from .postfix import OAuthLab, running_oauth_lab
from .provider import CLIENT_ID, INTROSPECTION_SECRET, Browser, RunningProvider, running_provider
from .servers import Certs, make_certs, running_relay

SCOPES = ("openid", "offline_access", "SMTP.Send")


@pytest.fixture(autouse=True)
def fresh_backend() -> Iterator[None]:
    credentials.set_backend(None)
    yield
    credentials.set_backend(None)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("oauth-certs"))


@pytest.fixture(scope="module")
def provider(certs: Certs) -> Iterator[RunningProvider]:
    with running_provider(certs.cert, certs.key, certs.ca) as running:
        yield running


@pytest.fixture(scope="module")
def relay() -> Iterator[tuple[str, int, object]]:
    with running_relay() as running:
        yield running


def own_dovecot(
    root: Path,
    certs: Certs,
    provider: RunningProvider,
    relay: tuple[str, int, object],
    mechanisms: str = "xoauth2 oauthbearer",
) -> contextlib.AbstractContextManager[tuple[str, int, Path]]:
    return running_dovecot(
        root,
        cert=certs.cert,
        key=certs.key,
        ca_file=certs.ca,
        introspection_url=provider.introspection_url.replace(
            "https://", f"https://dovecot:{INTROSPECTION_SECRET}@"
        ),
        relay=relay[:2],
        mechanisms=mechanisms,
    )


@pytest.fixture
def dovecot(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    certs: Certs,
    provider: RunningProvider,
    relay: tuple[str, int, object],
) -> Iterator[tuple[str, int, Path]]:
    """A Dovecot of its own per test: its failed-login penalty (per client address, in its
    anvil process) would slow the next sign-in down by seconds."""
    mechanisms = getattr(request, "param", "xoauth2 oauthbearer")
    with own_dovecot(tmp_path / "dovecot", certs, provider, relay, mechanisms) as running:
        yield running


async def provider_config(
    provider: RunningProvider, scopes: tuple[str, ...] = SCOPES, client_id: str = CLIENT_ID
) -> oauth.OAuthConfig:
    return await oauth.discover_config(
        provider.issuer, client_id, scopes=scopes, ca_file=provider.ca_file
    )


async def logged(read: Callable[[], str], text: str) -> None:
    """Postfix and Dovecot write their logs on their own time: wait for the line."""
    for _ in range(400):
        if text in read():
            return
        await asyncio.sleep(0.05)  # between reads of the log file
    raise AssertionError(f"{text!r} never appeared in the log:\n{read()[-3000:]}")


async def expired(provider: RunningProvider, token: str) -> None:
    """Until the provider itself says the access token is no longer active."""
    for _ in range(400):
        if not (await asyncio.to_thread(provider.introspect, token))["active"]:
            return
        await asyncio.sleep(0.05)  # between questions to the provider
    raise AssertionError("the access token never expired")


async def sign_in_with_browser(
    config: oauth.OAuthConfig, login: str, *, allow: bool = True
) -> oauth.TokenSet:
    """browser_sign_in, with a test person at the provider's real pages."""
    assert config.ca_file is not None
    browser = Browser(config.ca_file, login, allow=allow)
    opened: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    sign_in = asyncio.create_task(
        oauth.browser_sign_in(config, opened.set_result, login_hint=login, timeout=60)
    )
    try:
        await asyncio.wait({sign_in, opened}, return_when=asyncio.FIRST_COMPLETED)
        if not sign_in.done():
            target = await asyncio.to_thread(browser.open, opened.result())
            # The provider's last redirect, followed as a browser would: to our listener.
            async with httpx.AsyncClient(timeout=10) as client:
                page = await client.get(target)
            assert page.status_code == 200, page.text
        return await sign_in
    finally:
        sign_in.cancel()
        browser.close()


@pytest.fixture(scope="module")
def oauth_lab(certs: Certs, provider: RunningProvider) -> Iterator[OAuthLab]:
    """Postfix with Dovecot SASL (the oauth2 passdb) for this module's provider."""
    with running_oauth_lab(certs, provider) as lab:
        yield lab
