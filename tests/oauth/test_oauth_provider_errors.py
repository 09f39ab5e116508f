"""The identity provider's own standard errors, produced by the real oidc-provider through the
real redirect and token paths, each ending in the plain words the wizard and the CLI show.

What oidc-provider can say for itself (RFC 6749 section 4.1.2.1 and 5.2, OpenID Connect Core
section 3.1.2.6): access_denied (Cancel on its consent page), login_required and
interaction_required (a sign-in asked with prompt=none, without a session, or from a native app
that its policy always shows a page: so consent_required, which that policy checks later, cannot
be reached with the test app, a native client; it stays unit-tested),
invalid_grant (a refresh token it never issued), invalid_scope (a renewal asking for more than
was granted), invalid_client (a client ID it does not know). Microsoft's AADSTS numbers and
Google's extras are Microsoft's and Google's own data (core/oauth/errors.py names the pages) and
stay unit-tested in test_oauth_units.py: no local provider can send them."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
import sys

import httpx
import pytest

from smtpwizard.core import credentials, oauth

from .conftest import provider_config
from .provider import Browser, RunningProvider

pytestmark = pytest.mark.timeout(90)
ZOE = "zoe@example.test"


async def _sign_in(config: oauth.OAuthConfig, browser: Browser) -> oauth.TokenSet:
    """browser_sign_in with one test person (and their provider session) at the pages."""
    opened: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        oauth.browser_sign_in(config, opened.set_result, login_hint=browser.login, timeout=60)
    )
    try:
        await asyncio.wait({task, opened}, return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            target = await asyncio.to_thread(browser.open, opened.result())
            async with httpx.AsyncClient(timeout=10) as client:
                await client.get(target)
        return await task
    finally:
        task.cancel()


def _words(failure: oauth.OAuthFailure) -> str:
    """What the wizard's sign-in box shows (widgets/oauth_box.py)."""
    return f"{failure.title}. {failure.explanation} {failure.fix}"


async def _fails(config: oauth.OAuthConfig, browser: Browser) -> oauth.OAuthFailure:
    with pytest.raises(oauth.OAuthFailure) as caught:
        await _sign_in(config, browser)
    return caught.value


async def test_access_denied_on_the_consent_page(provider: RunningProvider) -> None:
    browser = Browser(provider.ca_file, ZOE, allow=False)
    try:
        failure = await _fails(await provider_config(provider), browser)
    finally:
        browser.close()
    assert failure.code == "oauth_consent_denied" and failure.technical.startswith("access_denied")
    assert _words(failure).startswith("The sign-in was cancelled.")
    assert "allow the app to send email for you" in failure.fix


async def test_login_required_and_interaction_required_without_asking(
    provider: RunningProvider,
) -> None:
    config = await provider_config(provider)
    silent = dataclasses.replace(config, authorize_params=(("prompt", "none"),))
    browser = Browser(provider.ca_file, ZOE)
    try:
        nobody = await _fails(silent, browser)  # no session at the provider yet
        assert nobody.technical.startswith("login_required"), nobody.technical
        assert nobody.code == "oauth_grant_invalid"
        assert _words(nobody).startswith("Your sign-in has expired or was withdrawn.")
        assert "Sign in again" in nobody.fix

        await _sign_in(config, browser)  # signs in and allows SCOPES: a session now
        # oidc-provider's policy: a native app must always show the person a page.
        again = await _fails(silent, browser)
        assert again.technical.startswith("interaction_required"), again.technical
        assert again.code == "oauth_grant_invalid"
        assert "native clients require End-User interaction" in again.technical
        assert _words(again).startswith("Your sign-in has expired or was withdrawn.")
    finally:
        browser.close()


async def test_token_endpoint_errors(provider: RunningProvider) -> None:
    config = await provider_config(provider)
    browser = Browser(provider.ca_file, ZOE)
    try:
        tokens = await _sign_in(config, browser)
    finally:
        browser.close()
    stale = dataclasses.replace(tokens, expires_at=0.0)

    with pytest.raises(oauth.OAuthFailure) as never_issued:
        await oauth.refresh_tokens(config, dataclasses.replace(stale, refresh_token="made-up"))
    assert never_issued.value.technical.startswith("invalid_grant")
    assert never_issued.value.title == "Your sign-in has expired or was withdrawn"

    wider = dataclasses.replace(config, scopes=(*config.scopes, "Other.Read"))
    with pytest.raises(oauth.OAuthFailure) as too_much:
        await oauth.refresh_tokens(wider, stale)
    assert too_much.value.technical.startswith("invalid_scope"), too_much.value.technical
    assert too_much.value.code == "oauth_wrong_scope"
    assert too_much.value.title == "The sign-in does not allow sending mail"

    stranger = config.with_client("nobody-registered-this")
    with pytest.raises(oauth.OAuthFailure) as unknown:
        await oauth.refresh_tokens(stranger, stale)
    assert unknown.value.technical.startswith("invalid_client"), unknown.value.technical
    assert unknown.value.title == f"This app is not known to {config.label}"
    assert "nobody-registered-this is not registered" in unknown.value.explanation

    renewed = await oauth.refresh_tokens(config, stale)  # the real one still works
    assert renewed.access_token and renewed.access_token != tokens.access_token


@pytest.mark.keychain
async def test_the_cli_says_sign_in_again_for_a_withdrawn_grant(
    provider: RunningProvider,
) -> None:
    config = await provider_config(provider)
    withdrawn = oauth.SignIn(ZOE, config, oauth.TokenSet("old", "revoked-or-made-up", 0.0))
    credentials.set_backend(None)
    await oauth.save_sign_in(withdrawn)
    try:
        proc = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "smtpwizard", "oauth", "token", "--user", ZOE],
            capture_output=True,
            text=True,
            timeout=60,
            env=dict(os.environ),
            check=False,
        )
    finally:
        await oauth.sign_out(ZOE, revoke=False)
    assert proc.returncode == 1 and proc.stdout == ""
    assert "Your sign-in has expired or was withdrawn" in proc.stderr
    assert "Sign in again (smtpwizard oauth login" in proc.stderr
    assert "(invalid_grant" in proc.stderr
