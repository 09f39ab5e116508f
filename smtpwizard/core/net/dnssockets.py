"""The UDP sockets DNS questions share: one connected socket per server (dnsclient.py).

Two ways to read one: with the loop's add_reader, every datagram waiting in one pass (every
selector loop); or asyncio's datagram transport, one datagram a pass (loops without add_reader,
such as Windows' proactor). A datagram that does not answer a waiting try exactly is dropped.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Protocol, cast

from .dnswire import Answer, WireError, decode_answer

__all__ = [
    "Asking",
    "EndpointSocket",
    "ReaderSocket",
    "UdpSocket",
    "close_made",
    "endpoint_socket",
    "gone",
]


class Asking(Protocol):
    """A question's try in flight, as a socket sees it."""

    qname: bytes
    rdtype: int

    def answered(self, answer: Answer) -> None: ...

    def server_failed(self, exc: BaseException) -> None: ...


class UdpSocket:
    """One connected UDP socket to one server, shared by every question to it."""

    def __init__(self) -> None:
        self.waiting: dict[int, Asking] = {}  # by the ID of its try in flight
        self.closed = asyncio.get_running_loop().create_future()  # the socket is really gone

    @property
    def usable(self) -> bool:
        raise NotImplementedError

    def send(self, datagram: bytes) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def datagram_received(self, data: bytes, addr: object = None) -> None:
        qid = int.from_bytes(data[:2], "big")
        question = self.waiting.get(qid) if len(data) >= 2 else None
        if question is None:
            return
        try:
            answer = decode_answer(data, qid, question.qname, question.rdtype)
        except WireError:
            return  # garbled, forged or for another question: the real answer may still come
        question.answered(answer)

    def _fail(self, exc: OSError) -> None:
        for question in list(self.waiting.values()):
            question.server_failed(exc)


class ReaderSocket(UdpSocket):
    """Where the loop has add_reader (every selector loop, qasync's on Linux and macOS):
    every datagram waiting is read in one pass. asyncio's datagram transport reads one per
    pass, so an answer that came in behind twenty others waited twenty passes of a loop
    busy with everything else (bench/probe.py on loopback: the MX host's addresses, on the
    path to the first port check, waited 1.2 ms behind the answers of the first questions).
    """

    _MAX_PER_PASS = 64  # a flood of datagrams must not hold the loop

    def __init__(self, loop: asyncio.AbstractEventLoop, server: tuple[str, int]) -> None:
        super().__init__()
        self._loop = loop
        family = socket.AF_INET6 if ":" in server[0] else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            self._sock.setblocking(False)
            self._sock.connect(server)  # UDP: no packet; the kernel now drops anyone else's
            loop.add_reader(self._sock.fileno(), self._readable)
        except BaseException:
            self._sock.close()
            raise

    @property
    def usable(self) -> bool:
        return not self.closed.done()

    def send(self, datagram: bytes) -> None:
        try:
            self._sock.send(datagram)
        except (BlockingIOError, InterruptedError):
            pass  # lost like any datagram: the try times out and is sent again
        except OSError as exc:
            self._fail(exc)

    def close(self) -> None:
        if self.closed.done():
            return
        self._loop.remove_reader(self._sock.fileno())
        self._sock.close()
        self.closed.set_result(None)
        self._fail(OSError("the DNS socket closed"))

    def _readable(self) -> None:
        for _ in range(self._MAX_PER_PASS):
            try:
                data = self._sock.recv(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                # An ICMP error (port unreachable) on the connected socket: nobody there.
                self._fail(exc)
                return
            self.datagram_received(data)


class EndpointSocket(UdpSocket, asyncio.DatagramProtocol):
    """asyncio's datagram transport, for loops without add_reader (Windows' proactor)."""

    def __init__(self) -> None:
        super().__init__()
        self.transport: asyncio.DatagramTransport | None = None

    @property
    def usable(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    def send(self, datagram: bytes) -> None:
        assert self.transport is not None
        self.transport.sendto(datagram)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # (3.11's selector datagram transport does not subclass DatagramTransport)
        self.transport = cast(asyncio.DatagramTransport, transport)

    def error_received(self, exc: Exception) -> None:
        # An ICMP error (port unreachable) on the connected socket: the server is not there.
        self._fail(exc if isinstance(exc, OSError) else OSError(str(exc)))

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(OSError("the DNS socket closed"))
        if not self.closed.done():
            self.closed.set_result(None)


async def endpoint_socket(loop: asyncio.AbstractEventLoop, server: tuple[str, int]) -> UdpSocket:
    _, protocol = await loop.create_datagram_endpoint(EndpointSocket, remote_addr=server)
    return protocol


def close_made(made: asyncio.Future[UdpSocket]) -> None:
    if not made.cancelled() and made.exception() is None:
        made.result().close()


def gone(made: asyncio.Future[UdpSocket]) -> bool:
    return made.done() and (
        made.cancelled() or made.exception() is not None or made.result().closed.done()
    )
