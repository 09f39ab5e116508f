"""A Happy Eyeballs connection race (RFC 8305) driven by the loop's callbacks, not by tasks.

A probe starts a race for every port of a server at once, and most of those connects never
complete (a firewall drops the SYN) or are refused. Each as a task, with its chain of coroutines
and its timeout scope, cost the probe more CPU than the connect itself: on loopback, where the
search is CPU-bound, about 0.2 ms per firewalled port, which delayed the working port's check
(bench/probe.py, bench/search_cpu.py). A race here is its sockets, a writer callback for each
and one timer; open_tcp (network.py) awaits the same race for callers that want a coroutine.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import select
import socket
from collections.abc import Callable, Collection

__all__ = [
    "ATTEMPT_DELAY",
    "ConnectRace",
    "RaceOutcome",
    "connects_pending",
    "happy_eyeballs_order",
]

# RFC 8305 section 5: the recommended Connection Attempt Delay.
ATTEMPT_DELAY = 0.25

# (the connected socket, its address, the errors of the addresses that failed); no socket
# when none connected.
RaceOutcome = tuple[socket.socket | None, str | None, list[OSError]]


def happy_eyeballs_order(addresses: tuple[str, ...]) -> tuple[str, ...]:
    """RFC 8305 section 4: alternate the families, IPv6 first, each family in its given order."""
    v6 = [a for a in addresses if ":" in a]
    v4 = [a for a in addresses if ":" not in a]
    return tuple(a for pair in itertools.zip_longest(v6, v4) for a in pair if a is not None)


def connects_pending(sockets: Collection[socket.socket]) -> bool:
    """Whether these sockets' connects are all still unanswered, as the kernel sees them now.

    The loop learns of a connect's end a pass or more after it happened (and later still on a
    busy machine); the kernel knows at once. False when there is no socket, or when one of them
    has connected or failed: its end is on its way to the caller.
    """
    live = [sock for sock in sockets if sock.fileno() >= 0]
    if not live:
        return False
    try:
        if hasattr(select, "poll"):  # any descriptor number, unlike select()
            poller = select.poll()
            for sock in live:
                poller.register(sock, select.POLLOUT)  # errors and hang-ups always count
            return not poller.poll(0)
        _, connected, failed = select.select([], live, live, 0)  # Windows: sockets only
    except (OSError, ValueError):  # closed meanwhile: it ended
        return False
    return not connected and not failed


class ConnectRace:
    """Connect to one of `addresses` on `port`, the first to answer winning.

    The next address starts when the one before has failed or `attempt_delay` has passed; the
    first to connect wins and the others are closed. `on_done(outcome)` is called once, when a
    socket has connected (TCP_NODELAY set: asyncio sets it only on sockets it creates, and
    without it the first command after a TLS 1.3 handshake can wait a round trip for a delayed
    ACK) or every address has failed; it may be called from start() itself, when the kernel has
    ended the connect before connect() returned (loopback, a refusal on a LAN), so such a
    connect costs no pass of the loop. The race has no deadline of its own: the caller's
    cancel() ends it, closing every socket it opened and calling nothing. `connecting` holds
    the sockets whose connect has not ended (for connects_pending); pass a set to share it.
    """

    def __init__(
        self,
        addresses: tuple[str, ...],
        port: int,
        on_done: Callable[[RaceOutcome], None],
        *,
        attempt_delay: float = ATTEMPT_DELAY,
        connecting: set[socket.socket] | None = None,
    ) -> None:
        self._order = happy_eyeballs_order(addresses)
        self._port = port
        self._on_done = on_done
        self._delay = attempt_delay
        self.connecting: set[socket.socket] = set() if connecting is None else connecting
        self._errors: list[OSError] = []
        self._next = 0
        self._timer: asyncio.TimerHandle | None = None
        self._waiting: dict[socket.socket, asyncio.Future[None]] = {}  # loops without add_writer
        self._over = False
        self._loop = asyncio.get_running_loop()

    @property
    def over(self) -> bool:
        return self._over

    def start(self) -> None:
        self._start_next()

    def cancel(self) -> None:
        """Stop now: every socket still connecting is closed; on_done is not called."""
        if self._over:
            return
        self._over = True
        self._close_pending()

    def _start_next(self) -> None:
        """Start the next address; at once the one after when this one failed at once."""
        while not self._over and self._next < len(self._order):
            address = self._order[self._next]
            self._next += 1
            if self._begin(address):
                if not self._over and self._next < len(self._order):
                    self._restart_timer()
                return
        if not self._over and not self.connecting:
            self._finish(None, None)  # all failed

    def _begin(self, address: str) -> bool:
        """Connect to address; True while it is under way or when it won, False when it
        failed already (loopback, a refusal on a LAN: the kernel ended it in connect())."""
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        try:
            sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        except OSError as failed:  # no IPv6 on this machine, no descriptors left
            self._errors.append(failed)
            return False
        try:
            sock.setblocking(False)
            sock.connect((address, self._port))
        except (BlockingIOError, InterruptedError):
            if connects_pending((sock,)):
                self._watch(sock, address)
                return True
            return self._ended(sock, address)
        except OSError as failed:
            sock.close()
            self._errors.append(failed)
            return False
        return self._won(sock, address)  # connected in connect() itself

    def _watch(self, sock: socket.socket, address: str) -> None:
        self.connecting.add(sock)
        try:
            self._loop.add_writer(sock.fileno(), self._writable, sock, address)
        except NotImplementedError:  # no add_writer (Windows' proactor loop)
            waiting = asyncio.ensure_future(self._loop.sock_connect(sock, (address, self._port)))
            self._waiting[sock] = waiting
            waiting.add_done_callback(lambda done: self._connected_or_not(sock, address, done))

    def _writable(self, sock: socket.socket, address: str) -> None:
        # Removed now, before the socket may be closed and its number given to another.
        self._loop.remove_writer(sock.fileno())
        self.connecting.discard(sock)
        if not self._ended(sock, address):
            self._start_next()  # a failure starts the next address at once

    def _connected_or_not(
        self, sock: socket.socket, address: str, done: asyncio.Future[None]
    ) -> None:
        self._waiting.pop(sock, None)
        self.connecting.discard(sock)
        if self._over or done.cancelled():
            return
        error = done.exception()
        if error is None:
            if self._won(sock, address):
                return
        else:
            sock.close()
            self._errors.append(error if isinstance(error, OSError) else OSError(str(error)))
        self._start_next()

    def _ended(self, sock: socket.socket, address: str) -> bool:
        """The kernel ended this connect: True if it connected (the race is won), else its
        error is kept and the socket closed."""
        code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if code:
            sock.close()
            self._errors.append(OSError(code, os.strerror(code)))
            return False
        return self._won(sock, address)

    def _won(self, sock: socket.socket, address: str) -> bool:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as failed:  # it connected and was reset at once
            sock.close()
            self._errors.append(failed)
            return False
        self._close_pending()
        self._finish(sock, address)
        return True

    def _finish(self, sock: socket.socket | None, address: str | None) -> None:
        self._over = True
        if self._timer is not None:
            self._timer.cancel()
        self._on_done((sock, address, self._errors))

    def _restart_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._loop.call_later(self._delay, self._start_next)

    def _close_pending(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for sock in list(self.connecting):
            waiting = self._waiting.pop(sock, None)
            if waiting is not None:
                waiting.cancel()
            elif sock.fileno() >= 0:
                self._loop.remove_writer(sock.fileno())
            sock.close()
        self.connecting.clear()
