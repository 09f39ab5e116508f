"""Ending a group of tasks, and awaiting work that the loop's callbacks drive instead of a task."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

__all__ = ["callback_outcome", "cancel_and_wait"]

T = TypeVar("T")


async def cancel_and_wait(tasks: Iterable[asyncio.Future[Any]]) -> None:
    """Cancel every task and return once all have ended, their outcomes retrieved.

    What `cancel()` on each, then `gather(..., return_exceptions=True)`, does, except that a
    task already ended is not gathered: gather schedules a done-callback for it anyway, a pass
    of the event loop each. A discovery ends with nearly all its lookups and sources done, so
    its clean-ups waited for nothing but those passes (a loopback search scheduled 141 loop
    callbacks with gather, 109 with this), beside the probe's check of the working port.
    """
    waiting = []
    for task in tasks:
        if not task.done():
            task.cancel()
            waiting.append(task)
        elif not task.cancelled():
            task.exception()  # retrieved, as gather would: no "never retrieved" warning
    if waiting:
        await asyncio.gather(*waiting, return_exceptions=True)


async def callback_outcome(
    begin: Callable[[Callable[[T], None]], Callable[[], None]], discard: Callable[[T], None]
) -> T:
    """The outcome of work driven by the loop's callbacks (net/race.py), as a coroutine.

    begin(done) starts the work, which calls done(outcome) once, maybe before begin returns
    (then no pass of the loop is waited for), and returns the function that stops it. When the
    caller is cancelled (or closed) first, the work is stopped, and an outcome that came in
    meanwhile goes to discard (a connected socket, to be closed).
    """
    ended: asyncio.Future[T] = asyncio.get_running_loop().create_future()

    def done(outcome: T) -> None:
        if ended.done():
            discard(outcome)  # came in the pass in which its waiter was cancelled
        else:
            ended.set_result(outcome)

    stop = begin(done)
    if ended.done():
        return ended.result()
    try:
        return await ended
    except BaseException:
        stop()
        if ended.done() and not ended.cancelled():
            discard(ended.result())
        raise
