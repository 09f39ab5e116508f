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
import logging
import secrets
from collections.abc import Callable, Sequence

from .dnssockets import (
    ReaderSocket,
    UdpSocket,
    close_made,
    endpoint_socket,
    gone,
)
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


log = logging.getLogger(__name__)


class DnsTimeout(TimeoutError):
    """No server answered within the question's lifetime."""


class DnsServersFailed(Exception):
    """Every server refused, failed or could not be reached."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class _Question:
    """One question's tries, driven by callbacks: a datagram, a timer, a socket being made.

    Why not a coroutine per question: a task, a timeout scope and a future per try cost more
    CPU than the question itself on a fast network (bench/dns_client.py). The rules are the
    same: each try has `attempt` seconds (at most what is left of the lifetime) and goes to
    the next live server in turn; a server that fails is not asked again; a truncated answer
    is asked again over TCP.
    """

    __slots__ = ("_client", "_live", "_next", "_problems", "_protocol", "_qid", "_server",
                 "_tcp", "_timer", "deadline", "future", "given_up", "lifetime", "name", "now",
                 "qname", "rdtype")  # fmt: skip

    def __init__(self, client: DnsClient, name: str, qname: bytes, rdtype: int, lifetime: float):
        loop = asyncio.get_running_loop()
        self._client = client
        self.name, self.qname, self.rdtype = name, qname, rdtype
        self.lifetime = lifetime
        self.deadline = loop.time() + lifetime
        self.future: asyncio.Future[Answer] = loop.create_future()
        self._live = list(range(len(client.servers)))
        self._next = 0  # position in _live of the server to try next
        self._problems: list[str] = []
        self._server = -1  # the server of the try in flight
        self._protocol: UdpSocket | None = None
        self._qid = -1
        self._timer: asyncio.TimerHandle | None = None
        self._tcp: asyncio.Future[Answer] | None = None
        # Called the moment the answer is in, not a pass of the loop later (call_when_done);
        # given_up also when the question is given up (cancelled).
        self.now: list[Callable[[asyncio.Future[Answer]], None]] = []
        self.given_up: list[Callable[[asyncio.Future[Answer]], None]] = []
        # Only for a cancel: an answer or failure ends the question in _finish itself, without
        # the pass of the loop a done-callback costs (one per question of a discovery).
        self.future.add_done_callback(self._cancelled)

    def try_next(self) -> None:
        if self.future.done():
            return
        if not self._live:
            self._finish(exc=DnsServersFailed(self._problems or ["no DNS server to ask"]))
            return
        if self.deadline - asyncio.get_running_loop().time() <= 0:
            self._finish(exc=DnsTimeout(f"no answer about {self.name} within {self.lifetime:g} s"))
            return
        self._next %= len(self._live)
        self._server = self._live[self._next]
        made = self._client.socket_for(self._server)
        if made.done():
            self._send(made)
        else:
            made.add_done_callback(self._send)

    def answered(self, answer: Answer) -> None:
        self._end_try()
        if answer.truncated:
            loop = asyncio.get_running_loop()
            remaining = self.deadline - loop.time()
            self._tcp = asyncio.ensure_future(
                self._client.ask_tcp(self._server, self.qname, self.rdtype, remaining)
            )
            self._tcp.add_done_callback(self._tcp_done)
            return
        self._take(answer)

    def server_failed(self, exc: BaseException) -> None:
        self._end_try()
        self._problems.append(f"{self._client.where(self._server)}: {exc}")
        self._live.remove(self._server)  # _next now points at the one after it
        self.try_next()

    def _send(self, made: asyncio.Future[UdpSocket]) -> None:
        if self.future.done():
            return
        if made.cancelled():
            self.server_failed(OSError("the DNS socket was not made"))
            return
        if (exc := made.exception()) is not None:
            self.server_failed(exc)
            return
        protocol = made.result()
        if not protocol.usable:
            self.server_failed(OSError("the DNS socket closed"))
            return
        qid = secrets.randbits(16)
        while qid in protocol.waiting:
            qid = secrets.randbits(16)
        self._protocol, self._qid = protocol, qid
        protocol.waiting[qid] = self
        loop = asyncio.get_running_loop()
        until = min(loop.time() + self._client.attempt, self.deadline)
        self._timer = loop.call_at(until, self._timed_out)
        protocol.send(encode_query(qid, self.qname, self.rdtype))

    def _timed_out(self) -> None:
        self._timer = None
        self._end_try()
        self._next += 1  # lost, or slow: the next server, or this one again
        self.try_next()

    def _tcp_done(self, task: asyncio.Future[Answer]) -> None:
        self._tcp = None
        if task.cancelled() or self.future.done():
            return
        exc = task.exception()
        if isinstance(exc, TimeoutError):
            self._next += 1
            self.try_next()
        elif isinstance(exc, OSError | WireError | EOFError):
            self.server_failed(exc)
        elif exc is not None:
            self._finish(exc=exc)
        else:
            self._take(task.result())

    def _take(self, answer: Answer) -> None:
        if answer.rcode in (RCODE_NOERROR, RCODE_NXDOMAIN):
            self._finish(answer)
        else:
            self.server_failed(Exception(f"response code {answer.rcode}"))

    def _finish(self, answer: Answer | None = None, exc: BaseException | None = None) -> None:
        self.future.remove_done_callback(self._cancelled)
        if exc is not None:
            self.future.set_exception(exc)
        else:
            self.future.set_result(answer)  # type: ignore[arg-type]
        self._tell(self.now)
        self.given_up.clear()
        self._ended()

    def _tell(self, listeners: list[Callable[[asyncio.Future[Answer]], None]]) -> None:
        for listener in listeners:
            try:
                listener(self.future)
            except Exception:  # a broken listener must not break the socket's other answers
                log.exception("DNS answer listener failed")
        listeners.clear()

    def _end_try(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._protocol is not None:
            if self._protocol.waiting.get(self._qid) is self:
                del self._protocol.waiting[self._qid]
            self._protocol = None

    def _cancelled(self, future: asyncio.Future[Answer]) -> None:
        self.now.clear()
        self._tell(self.given_up)
        self._ended()

    def _ended(self) -> None:
        # Answered, failed, or given up by whoever asked: nothing stays behind.
        self._end_try()
        if self._tcp is not None:
            self._tcp.cancel()
        if not self.future.cancelled():
            self.future.exception()  # retrieved: a shared question nobody waits for any more
        self._client.question_ended(self.future)


class DnsClient:
    def __init__(self, servers: Sequence[tuple[str, int]], attempt: float = 2.0) -> None:
        self.servers = list(servers)
        self.attempt = attempt
        self._sockets: dict[int, asyncio.Future[UdpSocket]] = {}
        self._closing: list[asyncio.Future[UdpSocket]] = []  # let go when idle; aclose waits
        self._asking = 0
        self._questions: dict[asyncio.Future[Answer], _Question] = {}  # in flight

    def question(self, name: str, rdtype: str, lifetime: float) -> asyncio.Future[Answer]:
        """The answer to come, NOERROR or NXDOMAIN; or WireError (a bad name), DnsTimeout,
        DnsServersFailed. Cancelling the future gives the question up.

        The sockets stay open while questions are in flight and close once none is (a pass
        of the event loop later, so a question asked on an answer reuses them): nobody has to
        remember aclose().
        """
        try:
            qname = encode_name(name)
        except WireError as exc:
            failed: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
            failed.set_exception(exc)
            return failed
        self._asking += 1
        question = _Question(self, name, qname, TYPES[rdtype], lifetime)
        self._questions[question.future] = question
        question.try_next()
        return question.future

    def call_when_done(
        self,
        future: asyncio.Future[Answer],
        callback: Callable[[asyncio.Future[Answer]], None],
        *,
        given_up: bool = False,
    ) -> None:
        """callback(future) the moment a question() of this client is answered or fails, in
        the same pass: the next question on the path to an answer leaves at once instead of a
        pass later, behind every other source's work (bench/probe.py on loopback). When the
        question is given up (cancelled): called only if given_up (then a pass later, as a
        done-callback is). A future already done: called now."""
        if future.done():
            if given_up or not future.cancelled():
                callback(future)
            return
        question = self._questions.get(future)
        if question is None:

            def later(done: asyncio.Future[Answer]) -> None:
                if given_up or not done.cancelled():
                    callback(done)

            future.add_done_callback(later)
        else:
            question.now.append(callback)
            if given_up:
                question.given_up.append(callback)

    async def ask(self, name: str, rdtype: str, lifetime: float) -> Answer:
        """question(), awaited."""
        return await self.question(name, rdtype, lifetime)

    def question_ended(self, future: asyncio.Future[Answer]) -> None:
        self._questions.pop(future, None)
        self._asking -= 1
        if not self._asking:
            asyncio.get_running_loop().call_soon(self._close_if_idle)

    def where(self, index: int) -> str:
        host, port = self.servers[index]
        return f"{host}:{port}"

    async def open(self) -> None:
        """Make the socket to the first server now, before the first question.

        A reader socket is made at once anyway; asyncio's datagram transport (loops without
        add_reader) takes a pass of the event loop, and a question asked before it exists
        waits for it: the first questions of a discovery then left together with all the rest,
        one pass late, and the answer everything else waits for (the MX) queued behind theirs
        (bench/probe.py on loopback). Failures are the first question's to report.
        """
        if self.servers:
            with contextlib.suppress(Exception):
                await asyncio.shield(self.socket_for(0))

    async def aclose(self) -> None:
        made = [*self._sockets.values(), *self._closing]
        self._sockets.clear()
        self._closing.clear()
        for future in made:
            future.cancel()
        sockets = [
            outcome
            for outcome in await asyncio.gather(*made, return_exceptions=True)
            if isinstance(outcome, UdpSocket)
        ]
        for sock in sockets:
            sock.close()  # (again, for one the idle close already closed)
        # A transport's socket closes a pass later: wait for it, so none outlives aclose().
        await asyncio.gather(*(sock.closed for sock in sockets))

    def _close_if_idle(self) -> None:
        if self._asking:
            return
        for task in self._sockets.values():
            # One still being made (its question was given up) is closed once it is made.
            if task.done():
                close_made(task)
            else:
                task.add_done_callback(close_made)
            self._closing.append(task)
        self._sockets.clear()
        self._closing = [task for task in self._closing if not gone(task)]

    def socket_for(self, index: int) -> asyncio.Future[UdpSocket]:
        """The socket to server `index`, made or being made; shared by every question."""
        made = self._sockets.get(index)
        if made is None:
            loop = asyncio.get_running_loop()
            try:
                made = loop.create_future()
                made.set_result(ReaderSocket(loop, self.servers[index]))
            except NotImplementedError:
                made = asyncio.ensure_future(endpoint_socket(loop, self.servers[index]))
            except OSError as exc:  # no such address family here, say: the question tells
                made = loop.create_future()
                made.set_exception(exc)
            self._sockets[index] = made
        return made

    async def ask_tcp(self, index: int, qname: bytes, rdtype: int, timeout: float) -> Answer:
        host, port = self.servers[index]
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
