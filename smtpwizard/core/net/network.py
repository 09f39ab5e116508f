"""Opening TCP connections ourselves, so 'connect' is a step of its own with its own deadline."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import select
import socket
from collections.abc import Collection

# RFC 8305 section 5: the recommended Connection Attempt Delay.
ATTEMPT_DELAY = 0.25


def happy_eyeballs_order(addresses: tuple[str, ...]) -> tuple[str, ...]:
    """RFC 8305 section 4: alternate the families, IPv6 first, each family in its given order."""
    v6 = [a for a in addresses if ":" in a]
    v4 = [a for a in addresses if ":" not in a]
    mixed = [a for pair in itertools.zip_longest(v6, v4) for a in pair if a is not None]
    return tuple(mixed)


async def open_tcp(
    addresses: tuple[str, ...],
    port: int,
    *,
    attempt_delay: float = ATTEMPT_DELAY,
    connecting: set[socket.socket] | None = None,
) -> tuple[socket.socket | None, str | None, list[OSError]]:
    """Race connections Happy Eyeballs style (RFC 8305); (socket, address, errors) of the winner.

    Addresses are tried in happy_eyeballs_order: the next one starts when the one before has
    failed or attempt_delay has passed, the first to connect wins and the others are closed.
    (None, None, errors) when none connects. The winner has TCP_NODELAY set: asyncio sets it
    only on sockets it creates itself, and without it the first command after a TLS 1.3
    handshake can wait a round trip for a delayed ACK. The caller's deadline (asyncio.timeout)
    bounds the whole race; a cancelled race closes every socket it opened. `connecting`, when
    given, holds the race's sockets whose connect has not ended yet (see connects_pending).
    """
    if len(addresses) == 1:  # nothing to race: no task, no wait (a probe makes dozens)
        try:
            sock, address = await _connect(addresses[0], port, connecting)
        except OSError as failed:
            return None, None, [failed]
        return sock, address, []
    order = happy_eyeballs_order(addresses)
    errors: list[OSError] = []
    pending: set[asyncio.Task[tuple[socket.socket, str]]] = set()
    winner: tuple[socket.socket, str] | None = None
    started = 0
    try:
        while winner is None and (started < len(order) or pending):
            if started < len(order):
                pending.add(asyncio.create_task(_connect(order[started], port, connecting)))
                started += 1
            more_to_start = started < len(order)
            done, pending = await asyncio.wait(
                pending,
                timeout=attempt_delay if more_to_start else None,
                return_when=asyncio.FIRST_COMPLETED,
            )
            for task in done:
                if task.exception() is None:
                    if winner is None:
                        winner = task.result()
                    else:
                        task.result()[0].close()  # connected a moment after the winner
                    continue
                exc = task.exception()
                if not isinstance(exc, OSError):
                    raise exc  # type: ignore[misc]
                errors.append(exc)
    finally:
        await _close_all(pending)
    if winner is None:
        return None, None, errors
    return winner[0], winner[1], errors


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


async def _connect(
    address: str, port: int, connecting: set[socket.socket] | None = None
) -> tuple[socket.socket, str]:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setblocking(False)
        try:
            sock.connect((address, port))
        except (BlockingIOError, InterruptedError):
            if not _ended_already(sock):
                if connecting is not None:
                    connecting.add(sock)
                await _until_connected(sock, (address, port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except BaseException:
        sock.close()
        raise
    finally:
        if connecting is not None:
            connecting.discard(sock)
    return sock, address


async def _until_connected(sock: socket.socket, where: tuple[str, int]) -> None:
    """The connect's end, as loop.sock_connect waits for it, without its checks for a name to
    resolve and a transport owning the socket (ours is numeric and new): a probe makes dozens."""
    loop = asyncio.get_running_loop()
    ended: asyncio.Future[None] = loop.create_future()
    fd = sock.fileno()
    try:
        loop.add_writer(fd, _connect_ended, sock, ended)
    except NotImplementedError:  # no add_writer (Windows' proactor loop)
        await loop.sock_connect(sock, where)
        return
    try:
        await ended
    finally:
        loop.remove_writer(fd)  # now, before the caller may close the socket and free its number


def _ended_already(sock: socket.socket) -> bool:
    """Whether the kernel ended the connect before connect() returned; raises its OSError.

    On loopback (and for a refusal on a LAN) the handshake is over by then, yet connect()
    reports it in progress: waiting for the loop to say the socket is writable cost a pass
    of the loop, behind every other source's work (bench/search_timeline.py: the working
    port's connect took 1.2 ms in a loopback search against 0.2 ms alone). The kernel is
    asked as connects_pending asks it.
    """
    if connects_pending((sock,)):
        return False
    error = _connect_error(sock)
    if error is not None:
        raise error
    return True


def _connect_ended(sock: socket.socket, ended: asyncio.Future[None]) -> None:
    if ended.done():
        return
    error = _connect_error(sock)
    if error is not None:
        ended.set_exception(error)
    else:
        ended.set_result(None)


def _connect_error(sock: socket.socket) -> OSError | None:
    error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    return OSError(error, os.strerror(error)) if error else None


async def _close_all(tasks: set[asyncio.Task[tuple[socket.socket, str]]]) -> None:
    for task in tasks:
        task.cancel()
    for outcome in await asyncio.gather(*tasks, return_exceptions=True):
        if isinstance(outcome, tuple):  # connected just as it was cancelled
            outcome[0].close()


async def open_stream(
    address: str, port: int, timeout: float, **kwargs: object
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    async with asyncio.timeout(timeout):
        return await asyncio.open_connection(address, port, limit=4096, **kwargs)  # type: ignore[arg-type]


async def close_stream(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(Exception):
        async with asyncio.timeout(1.0):
            await writer.wait_closed()
