"""A small DNS stub client: the questions of one search over one UDP socket per DNS server.

What dnspython's resolver does for us, without its per-question cost (a new socket, message
objects, an Answer): each question has a random 16-bit ID and a deadline; a try that gets no
answer within `attempt` seconds is sent again (a lost datagram), with a new ID, to the next
server in turn, until the question's lifetime ends; a truncated answer is asked again over TCP;
a server that fails (SERVFAIL, REFUSED, unreachable) is not asked that question again. The
socket is connected, so the kernel drops datagrams from anyone but the server, and a datagram
that is not exactly the answer to a waiting question (ID, question, type) is ignored, not
trusted. The wire format is dnswire's.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Sequence
from typing import cast

from .dnswire import (
    RCODE_NOERROR,
    RCODE_NXDOMAIN,
    TYPES,
    Answer,
    WireError,
    decode_answer,
    encode_name,
    encode_query,
)

__all__ = ["DnsClient", "DnsServersFailed", "DnsTimeout"]


class DnsTimeout(TimeoutError):
    """No server answered within the question's lifetime."""


class DnsServersFailed(Exception):
    """Every server refused, failed or could not be reached."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class _Waiting(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.waiting: dict[int, tuple[bytes, int, asyncio.Future[Answer]]] = {}
        self.transport: asyncio.DatagramTransport | None = None
        self.closed = asyncio.get_running_loop().create_future()  # the socket is really gone

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # (3.11's selector datagram transport does not subclass DatagramTransport)
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: object) -> None:
        qid = int.from_bytes(data[:2], "big")
        entry = self.waiting.get(qid) if len(data) >= 2 else None
        if entry is None:
            return
        qname, rdtype, future = entry
        try:
            answer = decode_answer(data, qid, qname, rdtype)
        except WireError:
            return  # garbled, forged or for another question: the real answer may still come
        if not future.done():
            future.set_result(answer)

    def error_received(self, exc: Exception) -> None:
        # An ICMP error (port unreachable) on the connected socket: the server is not there.
        self._fail(exc if isinstance(exc, OSError) else OSError(str(exc)))

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(OSError("the DNS socket closed"))
        if not self.closed.done():
            self.closed.set_result(None)

    def _fail(self, exc: OSError) -> None:
        for _, _, future in self.waiting.values():
            if not future.done():
                future.set_exception(exc)


class DnsClient:
    def __init__(self, servers: Sequence[tuple[str, int]], attempt: float = 2.0) -> None:
        self._servers = list(servers)
        self._attempt = attempt
        self._sockets: dict[int, asyncio.Task[_Waiting]] = {}
        self._closing: list[asyncio.Task[_Waiting]] = []  # let go when idle; aclose waits
        self._asking = 0

    async def ask(self, name: str, rdtype: str, lifetime: float) -> Answer:
        """NOERROR or NXDOMAIN answer; WireError (a bad name), DnsTimeout, DnsServersFailed.

        The sockets stay open while questions are in flight and close once none is (a pass
        of the event loop later, so a question asked on an answer reuses them): nobody has to
        remember aclose().
        """
        self._asking += 1
        try:
            return await self._ask(name, rdtype, lifetime)
        finally:
            self._asking -= 1
            if not self._asking:
                asyncio.get_running_loop().call_soon(self._close_if_idle)

    async def _ask(self, name: str, rdtype: str, lifetime: float) -> Answer:
        qname = encode_name(name)
        code = TYPES[rdtype]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + lifetime
        problems: list[str] = []
        live = list(range(len(self._servers)))
        while live:
            for index in list(live):
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise DnsTimeout(f"no answer about {name} within {lifetime:g} s")
                try:
                    answer = await self._udp(index, qname, code, min(self._attempt, remaining))
                    if answer.truncated:
                        answer = await self._tcp(index, qname, code, deadline - loop.time())
                except TimeoutError:
                    continue  # lost, or slow: the next server, or this one again
                except (OSError, WireError, EOFError) as exc:
                    problems.append(f"{self._where(index)}: {exc}")
                    live.remove(index)
                    continue
                if answer.rcode in (RCODE_NOERROR, RCODE_NXDOMAIN):
                    return answer
                problems.append(f"{self._where(index)}: response code {answer.rcode}")
                live.remove(index)
        raise DnsServersFailed(problems or ["no DNS server to ask"])

    async def aclose(self) -> None:
        tasks = [*self._sockets.values(), *self._closing]
        self._sockets.clear()
        self._closing.clear()
        for task in tasks:
            task.cancel()
        made = [
            outcome
            for outcome in await asyncio.gather(*tasks, return_exceptions=True)
            if isinstance(outcome, _Waiting) and outcome.transport is not None
        ]
        for protocol in made:
            assert protocol.transport is not None
            protocol.transport.close()  # (again, for one the idle close already closed)
        # The socket itself closes a pass later: wait for it, so none outlives aclose().
        await asyncio.gather(*(protocol.closed for protocol in made))

    def _close_if_idle(self) -> None:
        if self._asking:
            return
        for task in self._sockets.values():
            # One still being made (its question was given up) is closed once it is made.
            if task.done():
                _close_made(task)
            else:
                task.add_done_callback(_close_made)
            self._closing.append(task)
        self._sockets.clear()
        self._closing = [task for task in self._closing if not _gone(task)]

    def _where(self, index: int) -> str:
        host, port = self._servers[index]
        return f"{host}:{port}"

    async def _socket(self, index: int) -> _Waiting:
        task = self._sockets.get(index)
        if task is None:
            loop = asyncio.get_running_loop()

            async def connect() -> _Waiting:
                _, protocol = await loop.create_datagram_endpoint(
                    _Waiting, remote_addr=self._servers[index]
                )
                return protocol

            task = asyncio.ensure_future(connect())
            self._sockets[index] = task
        if task.done():  # the usual case; shield() costs more than the question itself
            return task.result()
        # shield: one question given up must not stop the socket the others share
        return await asyncio.shield(task)

    async def _udp(self, index: int, qname: bytes, rdtype: int, timeout: float) -> Answer:
        protocol = await self._socket(index)
        if protocol.transport is None or protocol.transport.is_closing():
            raise OSError("the DNS socket closed")
        qid = secrets.randbits(16)
        while qid in protocol.waiting:
            qid = secrets.randbits(16)
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        protocol.waiting[qid] = (qname, rdtype, future)
        try:
            protocol.transport.sendto(encode_query(qid, qname, rdtype))
            async with asyncio.timeout(timeout):
                return await future
        finally:
            del protocol.waiting[qid]

    async def _tcp(self, index: int, qname: bytes, rdtype: int, timeout: float) -> Answer:
        host, port = self._servers[index]
        qid = secrets.randbits(16)
        query = encode_query(qid, qname, rdtype)
        async with asyncio.timeout(max(timeout, 0.0)):
            reader, writer = await asyncio.open_connection(host, port)
            try:
                writer.write(len(query).to_bytes(2, "big") + query)
                size = int.from_bytes(await reader.readexactly(2), "big")
                data = await reader.readexactly(size)
            finally:
                writer.transport.abort()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()
        answer = decode_answer(data, qid, qname, rdtype)
        if answer.truncated:
            raise WireError("a truncated answer over TCP")
        return answer


def _close_made(task: asyncio.Task[_Waiting]) -> None:
    if not task.cancelled() and task.exception() is None:
        transport = task.result().transport
        if transport is not None:
            transport.close()


def _gone(task: asyncio.Task[_Waiting]) -> bool:
    return task.done() and (
        task.cancelled() or task.exception() is not None or task.result().closed.done()
    )
