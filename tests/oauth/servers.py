"""The other real parts around the provider: certificates, the relay sink Dovecot needs, and an
Exchange-like server that validates the token at the provider and then refuses SMTP AUTH for
the mailbox with Microsoft's real 5.7.139 reply (shared/reference/smtp-failures.md)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ssl
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult

from .dovecot import free_port
from .provider import RunningProvider

RELAY_ADDRESS = "127.0.14.3"
EXCHANGE_ADDRESS = "127.0.14.4"
# As Exchange Online sends it (the bracketed part is the front-end server's name).
SMTP_AUTH_DISABLED = (
    "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the "
    "Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information. "
    "[AM0PR02CA0008.eurprd02.prod.outlook.com]"
)


class ClosingController(Controller):
    """aiosmtpd's Controller whose stop() leaves no connection open.

    Controller.stop() stops the server's loop at once: a connection whose end (the client's
    QUIT or close) the server had not read yet, or whose close it had not finished, was left
    to garbage collection (tests/conftest.py's nothing_left_open). This one waits until every
    connection has ended, up to `grace` seconds, and closes any still open after that.
    """

    grace = 2.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._open: set[SMTP] = set()
        self._idle = threading.Condition()

    def factory(self) -> SMTP:
        controller = self

        class Tracked(SMTP):  # type: ignore[misc]
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                with controller._idle:
                    controller._open.add(self)
                super().connection_made(transport)

            def connection_lost(self, exc: Exception | None) -> None:
                try:
                    super().connection_lost(exc)
                finally:
                    with controller._idle:
                        controller._open.discard(self)
                        controller._idle.notify_all()

        return Tracked(self.handler, **self.SMTP_kwargs)

    def stop(self, no_assert: bool = False) -> None:
        """Blocks: from async code, `await asyncio.to_thread(controller.stop)`, so the client's
        own end of a connection (an abort finishes in the next pass of its loop) can happen."""
        if not self._ended_within(self.grace):
            for session in self._still_open():  # aborted in the server's own thread
                self.loop.call_soon_threadsafe(_abort, session)
            self._ended_within(self.grace)
        super().stop(no_assert)

    def _ended_within(self, seconds: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: not self._open, timeout=seconds)

    def _still_open(self) -> list[SMTP]:
        with self._idle:
            return list(self._open)


def _abort(session: SMTP) -> None:
    if session.transport is not None:
        session.transport.abort()


@dataclass(frozen=True)
class Certs:
    ca: str
    cert: str
    key: str
    ca_obj: trustme.CA
    server_cert: trustme.LeafCert


def make_certs(root: Path) -> Certs:
    ca = trustme.CA()
    leaf = ca.issue_cert(
        "127.0.14.1", "127.0.14.2", "127.0.14.4", "127.0.14.5", "127.0.14.6", "localhost"
    )
    root.mkdir(parents=True, exist_ok=True)
    ca.cert_pem.write_to_path(str(root / "ca.pem"))
    leaf.private_key_pem.write_to_path(str(root / "key.pem"))
    leaf.cert_chain_pems[0].write_to_path(str(root / "cert.pem"))
    for name in ("ca.pem", "key.pem", "cert.pem"):
        (root / name).chmod(0o644)  # Dovecot's unprivileged processes read them
    root.chmod(0o755)
    return Certs(str(root / "ca.pem"), str(root / "cert.pem"), str(root / "key.pem"), ca, leaf)


class _Sink:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 2.0.0 accepted"


@contextlib.contextmanager
def running_relay() -> Iterator[tuple[str, int, _Sink]]:
    sink = _Sink()
    port = free_port(RELAY_ADDRESS)
    controller = ClosingController(sink, hostname=RELAY_ADDRESS, port=port)
    controller.start()
    try:
        yield RELAY_ADDRESS, port, sink
    finally:
        controller.stop()


class _Exchange:
    """Offers XOAUTH2 after STARTTLS; a valid token for the mailbox still gets 5.7.139."""

    def __init__(self, provider: RunningProvider) -> None:
        self.provider = provider
        self.introspected: list[dict[str, object]] = []

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        import asyncio

        raw = base64.b64decode(args[1]).decode()
        user, auth = (part.split("=", 1)[1] for part in raw.split("\x01")[:2])
        token = auth.removeprefix("Bearer ")
        answer = await asyncio.to_thread(self.provider.introspect, token)
        self.introspected.append(answer)
        if answer.get("active") and answer.get("sub") == user:
            return AuthResult(success=False, handled=False, message=SMTP_AUTH_DISABLED)
        return AuthResult(
            success=False, handled=False, message="535 5.7.3 Authentication unsuccessful"
        )


@contextlib.asynccontextmanager
async def running_exchange(
    provider: RunningProvider, certs: Certs
) -> AsyncIterator[tuple[str, int, _Exchange]]:
    handler = _Exchange(provider)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certs.cert, certs.key)
    port = free_port(EXCHANGE_ADDRESS)
    controller = ClosingController(
        handler,
        hostname=EXCHANGE_ADDRESS,
        port=port,
        tls_context=context,
        require_starttls=True,
        auth_require_tls=True,
        server_hostname="smtp.office365.com",
    )
    controller.start()
    try:
        yield EXCHANGE_ADDRESS, port, handler
    finally:
        await asyncio.to_thread(controller.stop)  # our check's abort ends meanwhile


@contextlib.contextmanager
def serving_https(host: str, certs: Certs, handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A threaded HTTPS server on host (any free port) with the tests' certificate; its base URL."""
    server = ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certs.cert, certs.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"https://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
