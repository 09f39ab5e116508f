"""Getting and renewing tokens the way desktop apps must, through authlib's OAuth2 client.

- Browser sign-in: authorization code with PKCE S256 and `state` (RFC 7636, RFC 6749), in the
  system browser, with the redirect to a one-shot listener on 127.0.0.1 (RFC 8252, loopback.py).
  The `iss` of the redirect is checked when the provider sends one (RFC 9207, mix-up attacks).
- Device sign-in (RFC 8628): show the code and address, poll at the given interval, slow down
  when told, stop at expires_in.
- Refresh, and revocation at sign-out (RFC 7009) where the provider has an endpoint.
Every exchange has a deadline; every failure is an OAuthFailure in plain words (errors.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

# authlib 1.9 prefers the new httpx2 package and warns (on every command line run) when it falls
# back to httpx, which it still supports and which the rest of smtpwizard uses: not the user's
# concern, so that one warning is silenced here.
with warnings.catch_warnings():
    # authlib.deprecate's import puts an "always" filter first: ours must come after it.
    import authlib.deprecate  # noqa: F401

    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib.common.security import generate_token
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

from .config import OAuthConfig, require_https
from .errors import OAuthFailure, classify_token_error
from .http import ANSWER_DEADLINE, AnswerRefused, capped_transport
from .loopback import RedirectListener
from .tokens import TokenSet

__all__ = [
    "DEVICE_GRANT",
    "DeviceCode",
    "browser_sign_in",
    "device_sign_in",
    "refresh_tokens",
    "revoke_refresh_token",
]

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
HTTP_TIMEOUT = 20.0  # one request to the identity provider
BROWSER_TIMEOUT = 600.0  # a person reading a sign-in page, maybe fetching a phone
_MAX_DEVICE_WAIT = 1800.0


@dataclass(frozen=True, slots=True)
class DeviceCode:
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: float
    interval: float


class _Exchange:
    """One authlib client with our TLS trust, deadlines and the provider's clock reading."""

    def __init__(self, config: OAuthConfig, redirect_uri: str | None = None) -> None:
        self.config = config
        self.skew: float | None = None
        self.deadline = ANSWER_DEADLINE
        context = (
            ssl.create_default_context(cafile=config.ca_file)
            if config.ca_file
            else ssl.create_default_context()
        )
        self.client = AsyncOAuth2Client(
            client_id=config.client_id,
            client_secret=config.client_secret,
            token_endpoint_auth_method="client_secret_post" if config.client_secret else "none",
            scope=config.scope,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            # Capped: authlib reads answers whole (http.py says where and why).
            transport=capped_transport(context),
            timeout=httpx.Timeout(HTTP_TIMEOUT),
            follow_redirects=False,
            trust_env=False,
            event_hooks={"response": [self._read_clock]},
        )

    async def _read_clock(self, response: httpx.Response) -> None:
        # The Date header of the provider's answers tells us how far off our clock is.
        with contextlib.suppress(KeyError, TypeError, ValueError, IndexError):  # none, or bad
            self.skew = time.time() - parsedate_to_datetime(response.headers["date"]).timestamp()

    def failure(self, exc: OAuthError) -> OAuthFailure:
        return classify_token_error(
            str(exc.error or ""),
            exc.description,
            provider=self.config.label,
            client_id=self.config.client_id,
            skew=self.skew,
        )

    def unreachable(self, exc: Exception) -> OAuthFailure:
        return OAuthFailure(
            "oauth_provider_unreachable",
            self.config.label,
            f"{type(exc).__name__}: {exc}",
            client_id=self.config.client_id,
        )

    @contextlib.asynccontextmanager
    async def guarded(self) -> AsyncIterator[None]:
        try:
            async with asyncio.timeout(self.deadline):
                yield
        except TimeoutError as exc:
            raise OAuthFailure(
                "oauth_provider_unreachable",
                self.config.label,
                f"no complete answer within {self.deadline:g} s",
                client_id=self.config.client_id,
            ) from exc
        except AnswerRefused as exc:
            raise OAuthFailure(
                "oauth_provider_error", self.config.label, str(exc), client_id=self.config.client_id
            ) from exc
        except OAuthError as exc:
            raise self.failure(exc) from exc
        except (httpx.HTTPError, ssl.SSLError, OSError) as exc:
            raise self.unreachable(exc) from exc
        except (KeyError, TypeError, ValueError) as exc:  # not a token response at all
            raise OAuthFailure(
                "oauth_provider_error", self.config.label, f"unusable answer: {exc}"
            ) from exc

    async def close(self) -> None:
        await self.client.aclose()


async def browser_sign_in(
    config: OAuthConfig,
    open_browser: Callable[[str], Awaitable[None] | None],
    *,
    login_hint: str | None = None,
    timeout: float = BROWSER_TIMEOUT,
) -> TokenSet:
    """Open the provider's sign-in page; wait for its redirect; exchange the code."""
    async with RedirectListener(config.redirect_host) as listener:
        exchange = _Exchange(config, listener.redirect_uri)
        try:
            verifier = generate_token(64)
            extra = dict(config.authorize_params)
            if login_hint:
                extra["login_hint"] = login_hint
            url, _ = exchange.client.create_authorization_url(
                config.authorization_endpoint,
                state=listener.state,
                code_verifier=verifier,
                **extra,
            )
            opened = open_browser(url)
            if opened is not None:
                await opened
            try:
                params = await asyncio.wait_for(listener.wait(), timeout)
            except TimeoutError as exc:
                raise OAuthFailure(
                    "oauth_consent_denied",
                    config.label,
                    f"no answer from the browser within {timeout:.0f} s",
                ) from exc
            if "error" in params:
                raise classify_token_error(
                    params["error"],
                    params.get("error_description"),
                    provider=config.label,
                    client_id=config.client_id,
                )
            if config.issuer and params.get("iss") not in (None, config.issuer):
                raise OAuthFailure(
                    "oauth_provider_error",
                    config.label,
                    f"the answer came from {params.get('iss')!r}, not {config.issuer!r}",
                )
            if not params.get("code"):
                raise OAuthFailure("oauth_provider_error", config.label, "no code in the answer")
            async with exchange.guarded():
                token = await exchange.client.fetch_token(
                    config.token_endpoint,
                    grant_type="authorization_code",
                    code=params["code"],
                    code_verifier=verifier,
                    redirect_uri=listener.redirect_uri,
                )
            return TokenSet.from_response(token)
        finally:
            await exchange.close()


async def device_sign_in(
    config: OAuthConfig,
    show_code: Callable[[DeviceCode], Awaitable[None] | None],
) -> TokenSet:
    """The device authorization grant: the user signs in on any device with a short code."""
    if not config.device_authorization_endpoint:
        raise OAuthFailure(
            "oauth_provider_error",
            config.label,
            f"{config.label} does not offer sign-in with a code for mail; use the browser",
        )
    exchange = _Exchange(config)
    try:
        async with exchange.guarded():
            response = await exchange.client.request(
                "POST",
                config.device_authorization_endpoint,
                data={"client_id": config.client_id, "scope": config.scope},
                withhold_token=True,
            )
            answer: dict[str, Any] = response.json()
            if "error" in answer:
                raise OAuthError(answer["error"], answer.get("error_description"))
            uri = answer.get("verification_uri") or answer["verification_url"]
            code = DeviceCode(
                user_code=str(answer["user_code"]),
                verification_uri=require_https(str(uri), "device sign-in page"),
                verification_uri_complete=answer.get("verification_uri_complete"),
                expires_in=min(float(answer.get("expires_in", 900)), _MAX_DEVICE_WAIT),
                interval=max(1.0, float(answer.get("interval", 5))),
            )
            device_code = str(answer["device_code"])
        shown = show_code(code)
        if shown is not None:
            await shown
        return await _poll_device(exchange, code, device_code)
    finally:
        await exchange.close()


async def _poll_device(exchange: _Exchange, code: DeviceCode, device_code: str) -> TokenSet:
    deadline = time.monotonic() + code.expires_in
    interval = code.interval
    while True:
        # RFC 8628 section 3.5: the client MUST wait `interval` seconds between requests.
        await asyncio.sleep(interval)
        if time.monotonic() > deadline:
            raise OAuthFailure("oauth_consent_denied", exchange.config.label, "the code expired")
        async with exchange.guarded():
            try:
                token = await exchange.client.fetch_token(
                    exchange.config.token_endpoint, grant_type=DEVICE_GRANT, device_code=device_code
                )
            except OAuthError as exc:
                if exc.error == "authorization_pending":
                    continue
                if exc.error == "slow_down":
                    interval += 5.0
                    continue
                raise
        return TokenSet.from_response(token)


async def refresh_tokens(config: OAuthConfig, tokens: TokenSet) -> TokenSet:
    if not tokens.refresh_token:
        raise OAuthFailure("oauth_grant_invalid", config.label, "no refresh token was kept")
    exchange = _Exchange(config)
    try:
        async with exchange.guarded():
            token = await exchange.client.refresh_token(
                config.token_endpoint, refresh_token=tokens.refresh_token, scope=config.scope
            )
        return TokenSet.from_response(dict(token), previous_refresh=tokens.refresh_token)
    finally:
        await exchange.close()


async def revoke_refresh_token(config: OAuthConfig, tokens: TokenSet) -> bool:
    """Ask the provider to forget the grant; False when it has no way to (Microsoft)."""
    if not config.revocation_endpoint or not tokens.refresh_token:
        return False
    exchange = _Exchange(config)
    try:
        async with exchange.guarded():
            response = await exchange.client.revoke_token(
                config.revocation_endpoint,
                token=tokens.refresh_token,
                token_type_hint="refresh_token",  # noqa: S106 (a kind)
            )
            response.raise_for_status()
        return True
    finally:
        await exchange.close()
