"""The corners of the token sign-in: every way a server can answer OAUTHBEARER (scripted with
aiosmtpd after a real TLS upgrade), the redirect's own error answers, the kept sign-in's
shortcuts and damage."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import ssl
from collections.abc import AsyncIterator

import httpx
import keyring
import pytest
from aiosmtpd.smtp import SMTP, AuthResult

from smtpwizard.core import oauth
from smtpwizard.core.check import CheckOptions, run_check
from smtpwizard.core.settings import Security, ServerSettings

from .dovecot import free_port
from .servers import Certs, ClosingController, make_certs

pytestmark = pytest.mark.timeout(60)
HOST = "127.0.14.6"


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("edge-certs"))


class _Scripted:
    def __init__(self, challenge: bytes | None, reply: str) -> None:
        self.challenge, self.reply, self.answers = challenge, reply, []  # type: ignore[var-annotated]

    async def auth_OAUTHBEARER(self, server: SMTP, args: list[str]) -> AuthResult:
        if self.challenge is not None:
            self.answers.append(await server.challenge_auth(self.challenge, encode_to_b64=False))
        return AuthResult(success=False, handled=False, message=self.reply)


@contextlib.asynccontextmanager
async def scripted(certs: Certs, challenge: bytes | None, reply: str) -> AsyncIterator[_Scripted]:
    handler = _Scripted(challenge, reply)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certs.cert, certs.key)
    port = free_port(HOST)
    controller = ClosingController(
        handler, hostname=HOST, port=port, tls_context=context, require_starttls=True
    )
    controller.start()
    handler.port = port  # type: ignore[attr-defined]
    try:
        yield handler
    finally:
        await asyncio.to_thread(controller.stop)  # our check's abort ends meanwhile


def _b64(data: object) -> bytes:
    return base64.b64encode(json.dumps(data).encode())


@pytest.mark.parametrize(
    ("challenge", "reply", "code"),
    [
        (
            _b64({"status": "insufficient_scope", "scope": "SMTP.Send"}),
            "535 5.7.8 No",
            "oauth_wrong_scope",
        ),
        (
            _b64({"status": "invalid_token"}),
            "535 5.7.8 Authentication failed",
            "oauth_token_rejected",
        ),
        (b"not base64 at all!", "535 5.7.8 Authentication failed", "oauth_token_rejected"),
        (base64.b64encode(b"[1, 2]"), "535 5.7.8 Authentication failed", "oauth_token_rejected"),
        (None, "454 4.7.0 Temporary authentication failure", "server_busy"),
        (None, "504 5.5.4 Unrecognized authentication type", "auth_mechanism_unsupported"),
        (
            None,
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for "
            "the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.",
            "oauth_smtp_disabled",
        ),
    ],
)
async def test_every_refusal_is_explained(
    certs: Certs, challenge: bytes | None, reply: str, code: str
) -> None:
    async with scripted(certs, challenge, reply) as server:
        result = await run_check(
            ServerSettings(HOST, server.port, Security.STARTTLS, username="a@example.test"),  # type: ignore[attr-defined]
            access_token="tok-abc-123",
            options=CheckOptions(ca_file=certs.ca, timeout=10),
        )
    assert result.diagnosis.code == code, result.diagnosis
    assert "tok-abc-123" not in json.dumps(result.to_dict())
    if challenge is not None:
        assert server.answers == [b"\x01"]  # RFC 7628: the dummy response (aiosmtpd decodes it)


async def _redirect_with(params: dict[str, str], issuer: str | None = None) -> oauth.OAuthFailure:
    config = oauth.OAuthConfig(
        "Example", "https://127.0.14.6:9/a", "https://127.0.14.6:9/t", ("s",), "app", issuer=issuer
    )

    async def open_browser(url: str) -> None:
        query = dict(httpx.URL(url).params)
        async with httpx.AsyncClient(timeout=5) as client:
            await client.get(query["redirect_uri"], params={"state": query["state"], **params})

    with pytest.raises(oauth.OAuthFailure) as caught:
        await oauth.browser_sign_in(config, open_browser, timeout=10)
    return caught.value


async def test_redirect_answers_that_are_not_a_sign_in() -> None:
    denied = await _redirect_with({"error": "access_denied", "error_description": "No thanks"})
    assert denied.code == "oauth_consent_denied" and "No thanks" in denied.technical
    mixed_up = await _redirect_with(
        {"code": "c", "iss": "https://evil.example"}, "https://id.example"
    )
    assert mixed_up.code == "oauth_provider_error" and "evil.example" in mixed_up.technical
    no_code = await _redirect_with({})
    assert no_code.code == "oauth_provider_error" and "no code" in no_code.technical
    unreachable = await _redirect_with(
        {"code": "c", "iss": "https://id.example"}, "https://id.example"
    )
    assert unreachable.code == "oauth_provider_unreachable"  # the token endpoint is down


@pytest.mark.keychain
async def test_a_fresh_token_is_used_without_asking_the_provider() -> None:
    config = oauth.OAuthConfig(
        "X", "https://127.0.14.6:9/a", "https://127.0.14.6:9/t", ("s",), "app"
    )
    tokens = oauth.TokenSet("kept-access", "kept-refresh", 4102444800.0)  # valid until 2100
    await oauth.save_sign_in(oauth.SignIn("gina@example.test", config, tokens))
    try:
        token, sign_in = await oauth.fresh_access_token("gina@example.test")
        assert token == "kept-access" and sign_in.tokens == tokens  # no provider was reachable
        assert "kept-access" not in repr(sign_in)
        keyring.set_password("smtpwizard", "oauth2:gina@example.test", "{not json")
        assert await oauth.load_sign_in("gina@example.test") is None  # damaged: not signed in
    finally:
        assert await oauth.sign_out("gina@example.test", revoke=False) is False


def test_failures_are_bounded_and_an_address_is_needed() -> None:
    from smtpwizard.core.errors import InputError
    from smtpwizard.core.oauth.store import sign_in_key

    failure = oauth.OAuthFailure("oauth_provider_error", "X", "x" * 5000)
    assert len(failure.technical) == 1000  # whatever the provider sent, a bounded excerpt
    assert str(failure).startswith("The sign-in with X did not work.")
    with pytest.raises(InputError):
        sign_in_key("  ")
