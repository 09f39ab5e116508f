"""A real aiosmtpd server with real STARTTLS whose certificate names whoever the test chooses.

The attack tests use it as the server on the other end of a hostile network: its certificate is
valid (signed by the test's trusted authority) but for another name than the one the client asked
for. It records every password it is given, so a test can assert that none was.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


@dataclass
class Impostor:
    port: int
    auth: list[bytes] = field(default_factory=list)  # every password it was given
    messages: list[Any] = field(default_factory=list)


class _Handler:
    def __init__(self, impostor: Impostor) -> None:
        self._impostor = impostor

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self._impostor.messages.append(envelope)
        return "250 OK"


def _free_port(host: str) -> int:
    # aiosmtpd's Controller cannot take port 0 (its self-check connects to the port).
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def impostor(ca: trustme.CA, host: str, *names: str) -> Iterator[Impostor]:
    """STARTTLS required, AUTH only after it, a certificate for names, listening on host."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    server = Impostor(_free_port(host))

    def authenticator(_s: Any, _session: Any, _e: Any, _m: str, data: Any) -> AuthResult:
        server.auth.append(bytes(data.password))
        return AuthResult(success=True)

    controller = Controller(
        _Handler(server),
        hostname=host,
        port=server.port,
        tls_context=context,
        require_starttls=True,
        auth_require_tls=True,
        authenticator=authenticator,
    )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
