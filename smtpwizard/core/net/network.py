"""Opening TCP connections ourselves, so 'connect' is a step of its own with its own deadline."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable

from ..tasks import callback_outcome
from .race import ATTEMPT_DELAY, ConnectRace, RaceOutcome

__all__ = ["close_stream", "open_stream", "open_tcp"]


async def open_tcp(
    addresses: tuple[str, ...],
    port: int,
    *,
    attempt_delay: float = ATTEMPT_DELAY,
    connecting: set[socket.socket] | None = None,
) -> RaceOutcome:
    """Race connections Happy Eyeballs style (RFC 8305); (socket, address, errors) of the winner.

    The race is race.ConnectRace: addresses in happy_eyeballs_order, the next one started when
    the one before has failed or attempt_delay has passed, the first to connect the winner (with
    TCP_NODELAY set), the others closed. (None, None, errors) when none connects. The caller's
    deadline (asyncio.timeout) bounds the whole race; a cancelled race closes every socket it
    opened. `connecting`, when given, holds the race's sockets whose connect has not ended yet
    (see race.connects_pending). A connect the kernel ended within connect() (loopback, a refusal
    on a LAN) returns without waiting for a pass of the loop.
    """

    def begin(done: Callable[[RaceOutcome], None]) -> Callable[[], None]:
        race = ConnectRace(
            addresses, port, done, attempt_delay=attempt_delay, connecting=connecting
        )
        race.start()
        return race.cancel

    return await callback_outcome(begin, _close_winner)


def _close_winner(outcome: RaceOutcome) -> None:
    if outcome[0] is not None:
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
