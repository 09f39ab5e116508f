"""A finished check has closed its connection when it returns, whatever the server does next.

aiosmtplib ends a TLS connection politely (after QUIT too): close_notify, then up to 30 s for
the server's, and only then the socket. A server that answers QUIT and stays (many do not
answer close_notify at once) kept our socket open past the end of the check; asyncio.run then
closed the loop with the socket still open, and it lingered until garbage collection
(tests/discovery/conftest.py's leak check caught one in CI).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from smtpwizard.core.check import CheckOptions, run_check
from smtpwizard.core.settings import Security, ServerSettings
from tests.lab.helpers import our_tcp_sockets

from .helpers import check

HOST = "127.0.0.1"


class StaysAfterQuit:
    """A one-connection SMTP server on loopback that answers QUIT and then neither reads nor
    closes until the test is over: our close_notify is never answered."""

    def __init__(self, context: ssl.SSLContext, security: Security) -> None:
        self._context = context
        self.security = security
        self._listener = socket.create_server((HOST, 0))
        self.port: int = self._listener.getsockname()[1]
        self.client: tuple[str, int] | None = None
        self.quit_answered = threading.Event()
        self._release = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self._listener.settimeout(10)
        conn, self.client = self._listener.accept()
        conn.settimeout(10)
        try:
            if self.security is Security.TLS:
                conn = self._context.wrap_socket(conn, server_side=True)
            conn = self._converse(conn)  # the TLS socket after STARTTLS: it must stay open
            self._release.wait(10)
        finally:
            conn.close()

    def _converse(self, conn: socket.socket) -> socket.socket:
        conn.sendall(b"220 stays.test ESMTP\r\n")
        lines = conn.makefile("rb")
        while line := lines.readline(1000):
            verb = line.split(b" ")[0].strip().upper()
            if verb == b"EHLO":
                offer = b"250 HELP" if isinstance(conn, ssl.SSLSocket) else b"250 STARTTLS"
                conn.sendall(b"250-stays.test\r\n" + offer + b"\r\n")
            elif verb == b"STARTTLS":
                conn.sendall(b"220 go ahead\r\n")
                conn = self._context.wrap_socket(conn, server_side=True)
                lines = conn.makefile("rb")
            elif verb == b"QUIT":
                # Set first: once the answer is out, the check may return (and the test look)
                # before this thread runs again.
                self.quit_answered.set()
                conn.sendall(b"221 bye\r\n")
                break
            else:
                conn.sendall(b"502 not here\r\n")
        return conn

    def close(self) -> None:
        self._release.set()
        self._thread.join(10)
        self._listener.close()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture(params=[Security.STARTTLS, Security.TLS], ids=lambda s: s.value)
def server(request: pytest.FixtureRequest, ca: trustme.CA) -> Iterator[StaysAfterQuit]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(HOST).configure_cert(context)
    running = StaysAfterQuit(context, request.param)
    try:
        yield running
    finally:
        running.close()


def test_the_connection_is_closed_when_the_check_returns(
    server: StaysAfterQuit, ca_file: str
) -> None:
    settings = ServerSettings(host=HOST, port=server.port, security=server.security, username=None)
    result = asyncio.run(run_check(settings, options=CheckOptions(ca_file=ca_file, timeout=10)))
    assert result.ok, result.diagnosis
    assert server.quit_answered.is_set()
    assert server.client is not None
    # The server still holds its end; ours must be gone (the kernel may keep the closed
    # connection a while, but no descriptor of this process is it any more).
    still_ours = [s for s in our_tcp_sockets() if s.local == server.client]
    assert still_ours == []


def test_the_connection_is_closed_after_a_refused_certificate(lab: Any) -> None:
    """A STARTTLS handshake that fails leaves aiosmtplib holding the plain connection (the
    special case traced_starttls had for it is gone: the check's close covers it); the check
    and its look at the refused certificate, on a second connection, close both."""
    ep = lab.start("self_signed")
    result = check(lab, ep, security="starttls")
    assert result.diagnosis.code == "cert_untrusted", result.diagnosis
    assert result.certificate_seen is not None  # the second connection was made too
    to_server = [s for s in our_tcp_sockets() if s.remote[1] == ep.port]
    assert to_server == []
