"""A port behind a packet-dropping firewall, on loopback and without root.

A listening socket with a backlog of 0 holds one connection in its accept queue; the port fills
that slot itself and never accepts it. Linux then drops every further SYN (the listen-overflow
path of tcp_conn_request), so a client's connect() hangs, retransmitting its SYN, until its own
deadline: exactly what a firewall that silently drops packets looks like. Nothing is ever
accepted, so no client ever gets a connection to this port.
"""

from __future__ import annotations

import socket
from types import TracebackType


class FilteredPort:
    def __init__(self, host: str) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            self._listener.bind((host, 0))
            self._listener.listen(0)
            self.port: int = self._listener.getsockname()[1]
            self._filler = socket.create_connection((host, self.port), timeout=5)
        except BaseException:
            self._listener.close()
            raise

    def close(self) -> None:
        self._filler.close()
        self._listener.close()

    def __enter__(self) -> FilteredPort:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def raw_connect(ip: str, port: int) -> socket.socket:
    """A non-blocking connect started without any event loop: only the kernel knows how it
    goes (on loopback it has connected or been refused by the time this returns)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    sock.connect_ex((ip, port))
    return sock
