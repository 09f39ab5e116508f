"""A hostile identity provider that answers too much, forever, or compressed: every token,
device, revocation and discovery answer is capped in size and bounded in time
(core/oauth/http.py), and ends in a plain failure with nothing kept."""

from __future__ import annotations

import contextlib
import gzip
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from smtpwizard.core import credentials, oauth
from smtpwizard.core.oauth import flows
from smtpwizard.core.oauth.http import MAX_ANSWER_BYTES

from .servers import Certs, serving_https

pytestmark = pytest.mark.timeout(60)
HOST = "127.0.140.5"
# What a route does with the request's handler: writes a whole answer, however it likes.
Route = Callable[[BaseHTTPRequestHandler, threading.Event], None]


@contextlib.contextmanager
def hostile_server(certs: Certs, routes: dict[str, Route]) -> Iterator[str]:
    stopping = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            route = routes.get(self.path.split("?")[0])
            if route is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            with contextlib.suppress(OSError):  # the client hung up: what we wanted
                route(self, stopping)

        do_GET = do_POST = _serve

        def log_message(self, *args: object) -> None:
            pass

    with serving_https(HOST, certs, Handler) as url:
        try:
            yield url
        finally:
            stopping.set()  # before the shutdown: the endless answers end first


def _chunked(handler: BaseHTTPRequestHandler, headers: dict[str, str] | None = None) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Transfer-Encoding", "chunked")
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()


def _chunk(handler: BaseHTTPRequestHandler, data: bytes) -> None:
    handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
    handler.wfile.flush()


def huge(handler: BaseHTTPRequestHandler, stopping: threading.Event) -> None:
    """A JSON answer that never ends, as fast as the client reads it (no length given)."""
    _chunked(handler)
    _chunk(handler, b'{"access_token": "')
    block = b"a" * 16384
    while not stopping.is_set():
        _chunk(handler, block)


def trickle(handler: BaseHTTPRequestHandler, stopping: threading.Event) -> None:
    """A byte every tenth of a second, forever: each read is quick, the answer never done."""
    _chunked(handler)
    _chunk(handler, b'{"access_token": "')
    while not stopping.wait(0.1):
        _chunk(handler, b"a")


def announced(handler: BaseHTTPRequestHandler, stopping: threading.Event) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(50 * 1024 * 1024))
    handler.end_headers()
    handler.wfile.write(b'{"access_token": "')


def compressed(handler: BaseHTTPRequestHandler, stopping: threading.Event) -> None:
    body = gzip.compress(json.dumps({"access_token": "a" * (4 * MAX_ANSWER_BYTES)}).encode())
    assert len(body) < MAX_ANSWER_BYTES  # small on the wire, over the cap once decoded
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Encoding", "gzip")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    import trustme

    root = tmp_path_factory.mktemp("caps-certs")
    ca = trustme.CA()
    leaf = ca.issue_cert(HOST)
    ca.cert_pem.write_to_path(str(root / "ca.pem"))
    leaf.private_key_pem.write_to_path(str(root / "key.pem"))
    leaf.cert_chain_pems[0].write_to_path(str(root / "cert.pem"))
    return Certs(str(root / "ca.pem"), str(root / "cert.pem"), str(root / "key.pem"), ca, leaf)


def _config(issuer: str, certs: Certs) -> oauth.OAuthConfig:
    return oauth.OAuthConfig(
        "Hostile ID",
        f"{issuer}/auth",
        f"{issuer}/token",
        ("SMTP.Send", "offline_access"),
        "app",
        device_authorization_endpoint=f"{issuer}/device",
        revocation_endpoint=f"{issuer}/revoke",
        ca_file=certs.ca,
    )


STALE = oauth.TokenSet("old", "refresh", 0.0)


@pytest.mark.parametrize(
    ("route", "words"),
    [
        (huge, "sent more than 256 KB in one answer"),
        (announced, "announced 51200 KB in one answer"),
        (compressed, "compressed answer ('gzip')"),
    ],
)
async def test_a_token_answer_past_the_cap_is_refused(
    certs: Certs, route: Route, words: str
) -> None:
    with hostile_server(certs, {"/token": route}) as issuer:
        began = time.monotonic()
        with pytest.raises(oauth.OAuthFailure) as caught:
            await oauth.refresh_tokens(_config(issuer, certs), STALE)
        took = time.monotonic() - began
    assert caught.value.code == "oauth_provider_error", caught.value.technical
    assert words in caught.value.technical, caught.value.technical
    assert "Hostile ID" in caught.value.title + caught.value.explanation
    assert took < 10


async def test_an_endless_slow_answer_meets_the_deadline(
    certs: Certs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(flows, "ANSWER_DEADLINE", 1.5)
    with hostile_server(certs, {"/token": trickle, "/device": trickle}) as issuer:
        config = _config(issuer, certs)
        attempts: list[Callable[[], Awaitable[object]]] = [
            lambda: oauth.refresh_tokens(config, STALE),
            lambda: oauth.device_sign_in(config, lambda code: None),
        ]
        for attempt in attempts:
            began = time.monotonic()
            with pytest.raises(oauth.OAuthFailure) as caught:
                await attempt()
            took = time.monotonic() - began
            assert caught.value.code == "oauth_provider_unreachable"
            assert "no complete answer within 1.5 s" in caught.value.technical
            assert 1.4 < took < 8, took  # the trickle alone would never end


async def test_the_device_answer_is_capped_too(certs: Certs) -> None:
    routes: dict[str, Route] = {"/device": huge}
    with hostile_server(certs, routes) as issuer, pytest.raises(oauth.OAuthFailure) as caught:
        await oauth.device_sign_in(_config(issuer, certs), lambda code: None)
    assert "sent more than 256 KB" in caught.value.technical


async def test_signing_out_forgets_even_when_revocation_never_ends(
    certs: Certs, monkeypatch: pytest.MonkeyPatch
) -> None:
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1

        def __init__(self) -> None:
            self.kept: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.kept.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.kept[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.kept.pop((service, username), None)

    monkeypatch.setattr(flows, "ANSWER_DEADLINE", 1.0)
    memory = Memory()
    credentials.set_backend(memory)
    try:
        with hostile_server(certs, {"/revoke": trickle}) as issuer:
            sign_in = oauth.SignIn("ivy@example.test", _config(issuer, certs), STALE)
            await oauth.save_sign_in(sign_in)
            began = time.monotonic()
            assert await oauth.sign_out("ivy@example.test") is True
            assert time.monotonic() - began < 8
        assert memory.kept == {}
    finally:
        credentials.set_backend(None)


@pytest.mark.parametrize(
    ("route", "words"), [(huge, "sent more than 256 KB"), (compressed, "compressed answer")]
)
async def test_discovery_answers_are_capped(certs: Certs, route: Route, words: str) -> None:
    routes: dict[str, Route] = {"/.well-known/openid-configuration": route}
    with hostile_server(certs, routes) as issuer, pytest.raises(oauth.OAuthFailure) as caught:
        await oauth.discover_config(issuer, "app", scopes=("s",), ca_file=certs.ca)
    assert words in caught.value.technical


async def test_discovery_that_trickles_meets_its_deadline(certs: Certs) -> None:
    routes: dict[str, Route] = {"/.well-known/openid-configuration": trickle}
    with hostile_server(certs, routes) as issuer:
        began = time.monotonic()
        with pytest.raises(oauth.OAuthFailure) as caught:
            await oauth.discover_config(issuer, "app", scopes=("s",), ca_file=certs.ca, timeout=1)
        took = time.monotonic() - began
    assert caught.value.code == "oauth_provider_unreachable"
    assert "no complete answer within 1 s" in caught.value.technical
    assert took < 6
