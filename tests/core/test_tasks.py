"""cancel_and_wait: every task ended and its outcome retrieved, no pass spent on ended ones."""

from __future__ import annotations

import asyncio
import gc

from smtpwizard.core.tasks import cancel_and_wait


async def test_waits_for_the_running_and_spends_nothing_on_the_ended() -> None:
    loop = asyncio.get_running_loop()
    unhandled: list[dict] = []
    loop.set_exception_handler(lambda _loop, context: unhandled.append(context))
    cleaned: list[str] = []

    async def fails() -> None:
        raise ValueError("a source's own bug")

    async def slow() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.sleep(0)  # a clean-up that itself takes a pass
            cleaned.append("slow")

    ended_badly = loop.create_task(fails())
    ended_well = loop.create_future()
    ended_well.set_result(1)
    given_up = loop.create_future()
    given_up.cancel()
    await asyncio.sleep(0)
    assert ended_badly.done()

    # Only ended ones: done without a single pass of the loop.
    only_ended = cancel_and_wait([ended_badly, ended_well, given_up])
    try:
        only_ended.send(None)
        raise AssertionError("it waited for tasks that had ended")
    except StopIteration:
        pass

    running = loop.create_task(slow())
    await asyncio.sleep(0)
    await cancel_and_wait([ended_well, running])
    assert running.cancelled() and cleaned == ["slow"]

    del ended_badly, only_ended
    gc.collect()
    assert unhandled == []  # the ValueError was retrieved: no "never retrieved" report
    loop.set_exception_handler(None)


async def test_without_it_an_unretrieved_failure_is_reported() -> None:
    # The control for the test above: the loop does report a failure nobody retrieved.
    loop = asyncio.get_running_loop()
    unhandled: list[dict] = []
    loop.set_exception_handler(lambda _loop, context: unhandled.append(context))

    async def fails() -> None:
        raise ValueError("a source's own bug")

    task = loop.create_task(fails())
    await asyncio.sleep(0)
    del task
    gc.collect()
    assert [str(c.get("exception")) for c in unhandled] == ["a source's own bug"]
    loop.set_exception_handler(None)
