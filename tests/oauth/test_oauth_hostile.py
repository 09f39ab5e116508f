"""Bad and hostile answers: a local HTTPS server (Python's http.server, our certificate) playing
the identity provider, another program poking the redirect listener, a mail server that takes
no tokens. Each must end in a clear failure, quickly, with nothing kept."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
from collections.abc import Callable, Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from smtpwizard.core import oauth
from smtpwizard.core.check import CheckOptions, run_check
from smtpwizard.core.errors import InputError
from smtpwizard.core.oauth.discovery import MAX_METADATA_BYTES
from smtpwizard.core.oauth.loopback import RedirectListener
from smtpwizard.core.settings import Security, ServerSettings
from tests.lab.helpers import our_tcp_sockets

from .servers import Certs, serving_https

pytestmark = pytest.mark.timeout(60)
HOST = "127.0.14.5"
Route = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]


@contextlib.contextmanager
def https_server(certs: Certs, routes: dict[str, Route]) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            route = routes.get(self.path.split("?")[0])
            status, headers, body = route(self) if route else (404, {}, b"not here")
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _serve

        def date_time_string(self, timestamp: float | None = None) -> str:
            skew = float(routes.get("skew", lambda h: (0, {}, b"0"))(self)[2])
            return formatdate((timestamp or __import__("time").time()) + skew, usegmt=True)

        def log_message(self, *args: object) -> None:
            pass

    with serving_https(HOST, certs, Handler) as url:
        yield url


@pytest.fixture
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    from .servers import make_certs

    return make_certs(tmp_path_factory.mktemp("hostile-certs"))


def _json(data: object, **headers: str) -> Route:
    return lambda h: (
        200,
        {"Content-Type": "application/json", **headers},
        json.dumps(data).encode(),
    )


def _metadata(issuer: str, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/auth",
        "token_endpoint": f"{issuer}/token",
    }
    data.update(changes)
    return data


async def _discover(issuer: str, certs: Certs) -> oauth.OAuthConfig:
    return await oauth.discover_config(issuer, "app", scopes=("SMTP.Send",), ca_file=certs.ca)


async def test_discovery_refuses_plain_http() -> None:
    with pytest.raises(InputError):
        await oauth.discover_config("http://127.0.14.5", "app", scopes=("s",))


async def test_discovery_refuses_another_issuer_and_bad_endpoints(certs: Certs) -> None:
    routes: dict[str, Route] = {}
    with https_server(certs, routes) as issuer:
        routes["/.well-known/openid-configuration"] = _json(_metadata("https://evil.example"))
        with pytest.raises(oauth.OAuthFailure) as other:
            await _discover(issuer, certs)
        assert "another issuer" in other.value.technical

        routes["/.well-known/openid-configuration"] = _json(
            _metadata(issuer, token_endpoint="http://127.0.14.5/token")
        )
        with pytest.raises(oauth.OAuthFailure) as plain:
            await _discover(issuer, certs)
        assert "https://" in plain.value.technical

        routes["/.well-known/openid-configuration"] = _json({"issuer": issuer})
        with pytest.raises(oauth.OAuthFailure) as lacking:
            await _discover(issuer, certs)
        assert "lacks" in lacking.value.technical


async def test_discovery_falls_back_to_rfc8414_then_gives_up(certs: Certs) -> None:
    routes: dict[str, Route] = {}
    with https_server(certs, routes) as issuer:
        routes["/.well-known/oauth-authorization-server"] = _json(
            _metadata(issuer, device_authorization_endpoint=f"{issuer}/device")
        )
        config = await _discover(issuer, certs)
        assert config.device_authorization_endpoint == f"{issuer}/device"
        assert config.authorize_params == ()  # no offline_access asked: no forced consent

        del routes["/.well-known/oauth-authorization-server"]
        with pytest.raises(oauth.OAuthFailure) as nothing:
            await _discover(issuer, certs)
        assert nothing.value.code == "oauth_provider_error"
        assert "HTTP 404" in nothing.value.technical


async def test_discovery_caps_what_it_reads(certs: Certs) -> None:
    huge = b'{"x": "' + b"a" * (MAX_METADATA_BYTES * 4) + b'"}'
    bomb = gzip.compress(huge)
    assert len(bomb) < MAX_METADATA_BYTES  # small on the wire, big once decoded
    routes: dict[str, Route] = {
        "/.well-known/openid-configuration": lambda h: (200, {"Content-Encoding": "gzip"}, bomb),
        "/.well-known/oauth-authorization-server": lambda h: (200, {}, b"<html>not json"),
    }
    with https_server(certs, routes) as issuer, pytest.raises(oauth.OAuthFailure) as caught:
        await _discover(issuer, certs)
    # Compressed answers are refused outright (core/oauth/http.py): a bomb is never decoded.
    assert "compressed answer" in caught.value.technical and "not JSON" in caught.value.technical


async def test_discovery_with_an_untrusted_certificate_is_unreachable(certs: Certs) -> None:
    with https_server(certs, {}) as issuer, pytest.raises(oauth.OAuthFailure) as caught:
        await oauth.discover_config(issuer, "app", scopes=("s",))  # system CAs only
    assert caught.value.code == "oauth_provider_unreachable"
    assert "CERTIFICATE_VERIFY_FAILED" in caught.value.technical


async def test_a_far_off_clock_is_named(certs: Certs) -> None:
    routes: dict[str, Route] = {
        "/token": lambda h: (
            400,
            {"Content-Type": "application/json"},
            b'{"error": "invalid_grant", "error_description": "token not yet valid"}',
        ),
        "skew": lambda h: (0, {}, b"-5400"),  # the provider's clock 90 minutes behind ours
    }
    with https_server(certs, routes) as issuer:
        config = oauth.OAuthConfig(
            "Example ID", f"{issuer}/auth", f"{issuer}/token", ("s",), "app", ca_file=certs.ca
        )
        with pytest.raises(oauth.OAuthFailure) as caught:
            await oauth.refresh_tokens(config, oauth.TokenSet("old", "refresh", 0.0))
    assert caught.value.code == "oauth_clock_skew"
    assert "about 90 minutes ahead of Example ID's" in caught.value.explanation


async def test_refresh_needs_a_refresh_token_and_a_provider(certs: Certs) -> None:
    config = oauth.OAuthConfig(
        "X", "https://127.0.14.5:9/a", "https://127.0.14.5:9/t", ("s",), "app"
    )
    with pytest.raises(oauth.OAuthFailure) as none_kept:
        await oauth.refresh_tokens(config, oauth.TokenSet("at", None, 0.0))
    assert none_kept.value.code == "oauth_grant_invalid"
    with pytest.raises(oauth.OAuthFailure) as down:
        await oauth.refresh_tokens(config, oauth.TokenSet("at", "rt", 0.0))
    assert down.value.code == "oauth_provider_unreachable"
    assert await oauth.revoke_refresh_token(config, oauth.TokenSet("at", "rt", 0.0)) is False
    with pytest.raises(oauth.OAuthFailure) as no_device:
        await oauth.device_sign_in(config, lambda code: None)
    assert "use the browser" in no_device.value.technical


async def test_the_listener_ignores_everyone_but_the_provider() -> None:
    async with RedirectListener() as listener, httpx.AsyncClient(timeout=5) as client:
        wrong_state = await client.get(listener.redirect_uri, params={"code": "x", "state": "no"})
        wrong_path = await client.get(
            listener.redirect_uri + "other", params={"state": listener.state}
        )
        posted = await client.post(listener.redirect_uri, data={"state": listener.state})
        # A client that connects and says nothing does not hold the listener up.
        _, idle = await asyncio.open_connection("127.0.0.1", listener.port)
        right = await client.get(
            listener.redirect_uri, params={"code": "the-code", "state": listener.state}
        )
        params = await asyncio.wait_for(listener.wait(), 5)
        idle.close()
    assert [wrong_state.status_code, wrong_path.status_code, posted.status_code] == [400] * 3
    assert right.status_code == 200 and "close this window" in right.text
    assert params["code"] == "the-code"
    assert right.headers["cache-control"] == "no-store"
    with pytest.raises(httpx.ConnectError):
        httpx.get(listener.redirect_uri, timeout=2)  # closed after its one redirect


async def test_closing_the_listener_ends_the_connections_it_accepted() -> None:
    """A program that connected and said nothing (or a browser's second request) does not
    outlive the listener: before, each held its connection for its 10 s deadline, or until
    garbage collection when the event loop ended first (the CLI's asyncio.run)."""
    async with RedirectListener() as listener:
        idle_reader, idle = await asyncio.open_connection("127.0.0.1", listener.port)
        client = idle.get_extra_info("sockname")[:2]

        def accepted() -> list[object]:
            return [s for s in our_tcp_sockets() if s.remote == client]

        async with asyncio.timeout(5):
            while not accepted():  # the listener's own end of it, once its loop accepted it
                await asyncio.sleep(0)
        await listener.close()
        assert accepted() == []  # closed by the time close() returns
    async with asyncio.timeout(2):
        assert await idle_reader.read() == b""  # ended, not answered at its deadline
    idle.close()


async def test_browser_sign_in_gives_up_when_nobody_comes_back() -> None:
    config = oauth.OAuthConfig(
        "X", "https://127.0.14.5:9/a", "https://127.0.14.5:9/t", ("s",), "app"
    )
    opened: list[str] = []
    with pytest.raises(oauth.OAuthFailure) as caught:
        await oauth.browser_sign_in(config, opened.append, timeout=0.3)
    assert caught.value.code == "oauth_consent_denied"
    url = httpx.URL(opened[0])
    assert url.params["code_challenge_method"] == "S256" and url.params["code_challenge"]
    assert url.params["redirect_uri"].startswith("http://127.0.0.1:")
    assert url.params["client_id"] == "app" and url.params["state"]


async def test_a_token_is_refused_for_a_server_without_oauth(lab: object) -> None:
    ep = lab.start("starttls_ok")  # type: ignore[attr-defined]
    settings = ServerSettings(ep.host, ep.port, Security.STARTTLS, username=ep.username)
    result = await run_check(
        settings,
        access_token="a-token-value",
        options=CheckOptions(ca_file=str(lab.ca_file), timeout=10),  # type: ignore[attr-defined]
    )
    assert result.diagnosis.code == "auth_mechanism_unsupported"
    assert "does not take OAuth2 tokens" in result.diagnosis.explanation
    with pytest.raises(InputError):
        await run_check(settings, access_token="two words")


async def test_microsoft_comes_back_to_localhost() -> None:
    config = oauth.config_from_provider(oauth.MICROSOFT, "my-app")
    assert config.redirect_host == "localhost"
    assert oauth.OAuthConfig.from_dict(config.to_dict()).redirect_host == "localhost"
    opened: list[str] = []
    with pytest.raises(oauth.OAuthFailure):
        await oauth.browser_sign_in(config, opened.append, timeout=0.2)
    url = httpx.URL(opened[0])
    assert url.host == "login.microsoftonline.com"
    assert url.params["scope"] == "https://outlook.office.com/SMTP.Send offline_access"
    assert url.params["redirect_uri"].startswith("http://localhost:")
    async with RedirectListener("localhost") as listener:
        async with httpx.AsyncClient(timeout=5) as client:
            page = await client.get(
                listener.redirect_uri, params={"state": listener.state, "code": "c"}
            )
        assert page.status_code == 200 and (await listener.wait())["code"] == "c"
    with pytest.raises(ValueError):
        RedirectListener("example.com")
    with pytest.raises(InputError):
        oauth.OAuthConfig(
            "x", "https://a.example/", "https://a.example/t", ("s",), "id", redirect_host="evil"
        )


def _scripted(answers: list[tuple[int, dict[str, object]]]) -> Route:
    """A token endpoint answering from a list, one answer per request."""

    def route(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        status, body = answers.pop(0)
        return status, {"Content-Type": "application/json"}, json.dumps(body).encode()

    return route


def _device_config(issuer: str, certs: Certs) -> oauth.OAuthConfig:
    return oauth.OAuthConfig(
        "Example ID",
        f"{issuer}/auth",
        f"{issuer}/token",
        ("SMTP.Send", "offline_access"),
        "app",
        device_authorization_endpoint=f"{issuer}/device",
        ca_file=certs.ca,
    )


def _device_answer(issuer: str, **changes: object) -> dict[str, object]:
    answer: dict[str, object] = {
        "device_code": "dc",
        "user_code": "ABCD-EFGH",
        "verification_uri": f"{issuer}/verify",
        "expires_in": 60,
        "interval": 1,
    }
    answer.update(changes)
    return answer


async def test_the_device_poll_waits_slows_down_and_gets_the_token(certs: Certs) -> None:
    routes: dict[str, Route] = {}
    with https_server(certs, routes) as issuer:
        routes["/device"] = _json(_device_answer(issuer))
        answers: list[tuple[int, dict[str, object]]] = [
            (400, {"error": "authorization_pending"}),
            (400, {"error": "slow_down"}),
            (200, {"access_token": "AT", "refresh_token": "RT", "expires_in": 3600}),
        ]
        routes["/token"] = _scripted(answers)
        loop = asyncio.get_running_loop()
        began = loop.time()
        tokens = await oauth.device_sign_in(_device_config(issuer, certs), lambda code: None)
        took = loop.time() - began
    assert tokens.access_token == "AT" and tokens.refresh_token == "RT" and answers == []
    # 1 s, 1 s, then 1 + 5 s after slow_down (RFC 8628 section 3.5): never faster than told.
    assert took >= 8.0


async def test_the_device_code_expires_or_is_refused(certs: Certs) -> None:
    routes: dict[str, Route] = {}
    with https_server(certs, routes) as issuer:
        routes["/device"] = _json(_device_answer(issuer, expires_in=0.5))
        with pytest.raises(oauth.OAuthFailure) as expired:
            await oauth.device_sign_in(_device_config(issuer, certs), lambda code: None)
        assert expired.value.code == "oauth_consent_denied" and "expired" in expired.value.technical

        routes["/device"] = _json(_device_answer(issuer))
        routes["/token"] = _scripted([(400, {"error": "access_denied"})])
        shown: list[oauth.DeviceCode] = []

        async def show(code: oauth.DeviceCode) -> None:
            shown.append(code)

        with pytest.raises(oauth.OAuthFailure) as denied:
            await oauth.device_sign_in(_device_config(issuer, certs), show)
        assert denied.value.code == "oauth_consent_denied" and shown[0].user_code == "ABCD-EFGH"

        routes["/device"] = _json({"device_code": "dc"})  # no code to show: not usable
        with pytest.raises(oauth.OAuthFailure) as broken:
            await oauth.device_sign_in(_device_config(issuer, certs), lambda code: None)
        assert broken.value.code == "oauth_provider_error"

        routes["/device"] = _json(_device_answer(issuer, verification_uri="http://x.example/"))
        with pytest.raises(oauth.OAuthFailure):
            await oauth.device_sign_in(_device_config(issuer, certs), lambda code: None)


async def test_a_renewal_without_a_keychain_lives_in_memory(certs: Certs) -> None:
    from keyring.backends.fail import Keyring as NoKeyring

    from smtpwizard.core import credentials

    routes: dict[str, Route] = {}
    with https_server(certs, routes) as issuer:
        routes["/token"] = _scripted([(200, {"access_token": "new", "expires_in": 3600})] * 2)
        config = _device_config(issuer, certs)
        stale = oauth.SignIn("ivy@example.test", config, oauth.TokenSet("old", "RT", 0.0))
        credentials.set_backend(NoKeyring())
        try:
            renewed = await oauth.renewed_sign_in(stale)
            assert renewed.tokens.access_token == "new"
            assert renewed.tokens.refresh_token == "RT"  # kept: the provider sent no new one
            with pytest.raises(credentials.KeychainError):
                await oauth.renewed_sign_in(stale, keep=True)
        finally:
            credentials.set_backend(None)
        assert await oauth.renewed_sign_in(renewed) is renewed  # still fresh: nothing asked


async def test_discovery_odd_documents(certs: Certs) -> None:
    routes: dict[str, Route] = {}
    with https_server(certs, routes) as issuer:
        routes["/.well-known/openid-configuration"] = _json(_metadata(issuer))
        with pytest.raises(InputError) as no_id:
            await oauth.discover_config(issuer, "", scopes=("s",), ca_file=certs.ca)
        assert no_id.value.field == "client_id"
        routes["/.well-known/openid-configuration"] = lambda h: (
            200,
            {"Content-Encoding": "gzip, gzip"},
            gzip.compress(gzip.compress(b"{}")),
        )
        routes["/.well-known/oauth-authorization-server"] = _json([1, 2])
        with pytest.raises(oauth.OAuthFailure) as odd:
            await _discover(issuer, certs)
        assert "compressed answer ('gzip, gzip')" in odd.value.technical
        assert "not a JSON object" in odd.value.technical


async def test_a_client_that_hangs_up_changes_nothing() -> None:
    async with RedirectListener() as listener:
        _, writer = await asyncio.open_connection("127.0.0.1", listener.port)
        writer.write(b"GET /?state=" + listener.state.encode())  # never finishes the request
        await writer.drain()
        writer.close()
        async with httpx.AsyncClient(timeout=5) as client:
            page = await client.get(listener.redirect_uri, params={"state": listener.state})
        assert page.status_code == 200
        assert (await listener.wait()) == {"state": listener.state}


def test_missing_words_show_as_a_question_mark() -> None:
    failure = oauth.OAuthFailure("oauth_smtp_disabled", "Microsoft")
    assert "? refuses programs" in failure.explanation  # no server named: no crash either
