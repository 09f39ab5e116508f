"""A stopped check stops: cancelled at any reply of a real conversation, it ends at once, cancelled.

Cancel, Back, closing the window and a probe that no longer needs an attempt all cancel the
check's task. Python 3.11's asyncio.wait_for swallows a cancellation that arrives in the pass
where the reply it awaits completes; aiosmtplib used it for every command, so a check stopped
at the wrong moment went on to sign in and send (and one stopped during a silent greeting held
its connection until the greeting deadline). These tests stop a real conversation at each of
its connection and reply events in turn, the exact moment of that race, so none is left out.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from aiosmtplib.protocol import SMTPProtocol

from smtpwizard.core.check import CheckOptions, run_check
from smtpwizard.core.check.session import CheckSession
from smtpwizard.core.check.steps import StepName
from smtpwizard.core.settings import Security, ServerSettings

from .helpers import settings_for


class _StopAt:
    """Cancels the check's task right inside the client's Nth connection or reply event.

    That is the exact moment of the race: the reply's waiter has its result, and the task
    awaiting it has not run yet. Counting events, not loop passes, hits it every time,
    whatever the server thread's timing.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events = 0
        self.at: int | None = None
        self.task: asyncio.Task[Any] | None = None
        made = SMTPProtocol.connection_made
        received = SMTPProtocol.data_received

        def connection_made(protocol: SMTPProtocol, transport: Any) -> None:
            made(protocol, transport)
            self._event()

        def data_received(protocol: SMTPProtocol, data: bytes) -> None:
            received(protocol, data)
            self._event()

        monkeypatch.setattr(SMTPProtocol, "connection_made", connection_made)
        monkeypatch.setattr(SMTPProtocol, "data_received", data_received)

    def _event(self) -> None:
        self.events += 1
        if self.task is not None and self.events == self.at:
            self.task.cancel()


async def _stopped_at(event: int, stop: _StopAt, ep: Any, lab: Any, send_to: str | None) -> str:
    """'finished' when the check ended before that event; else 'cancelled' or what went wrong."""
    options = CheckOptions(ca_file=str(lab.ca_file), timeout=10.0, send_to=send_to)
    stop.events, stop.at = 0, event
    task = asyncio.ensure_future(
        run_check(settings_for(ep), password=ep.password or "not-it", options=options)
    )
    stop.task = task
    try:
        # A deadline, not a wait: a stopped check has nothing left to wait for, and one
        # that is not stopped finishes well within it on loopback.
        async with asyncio.timeout(5.0):
            await asyncio.wait({task})
    except TimeoutError:
        task.cancel()
        return f"still running 5 s after event {event}"
    finally:
        stop.task = None
    if stop.events < event:
        task.result()
        return "finished"
    if not task.cancelled():
        outcome = task.exception() or task.result().diagnosis.code
        return f"went on after a cancel at event {event}: {outcome!r}"
    return "cancelled"


def _sweep(stop: _StopAt, lab: Any, ep: Any, send_to: str | None = None) -> list[str]:
    async def sweep() -> list[str]:
        wrong = []
        for event in range(1, 100):
            outcome = await _stopped_at(event, stop, ep, lab, send_to)
            if outcome == "finished":
                return wrong
            if outcome != "cancelled":
                wrong.append(outcome)
        wrong.append("the check never finished")
        return wrong

    return asyncio.run(sweep())


@pytest.mark.parametrize("scenario", ["starttls_ok", "tls_ok"])
def test_a_check_stopped_at_any_reply_sends_nothing_more(lab, monkeypatch, scenario):
    ep = lab.start(scenario)
    try:
        stop = _StopAt(monkeypatch)
        before = len(ep.messages)
        assert _sweep(stop, lab, ep, send_to="bob@lab.test") == []
        # Every stopped conversation is closed, none is left to the garbage collector.
        assert ep.wait_idle(5.0)
        # The sweep's last run went to the end and sent its message.
        assert len(ep.messages) > before
    finally:
        ep.stop()


def test_a_check_stopped_as_a_silent_server_connects_lets_go_at_once(lab, monkeypatch):
    ep = lab.start("silent")
    try:
        stop = _StopAt(monkeypatch)

        async def stopped() -> str:
            # Event 1 is the connection itself: the server then says nothing at all.
            return await _stopped_at(1, stop, ep, lab, None)

        assert asyncio.run(stopped()) == "cancelled"
        assert ep.wait_idle(5.0)
    finally:
        ep.stop()


def test_no_step_starts_once_a_swallowed_cancellation_was_asked_for():
    async def scenario() -> str:
        settings = ServerSettings(host="127.0.0.1", port=1, security=Security.STARTTLS)
        run = CheckSession(settings, None, CheckOptions(), None)
        task = asyncio.current_task()
        assert task is not None
        async with run.step(StepName.RESOLVE, 1.0):
            task.cancel()
            # What Python 3.11's wait_for does when the awaited reply is already there:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(0)
        try:
            async with run.step(StepName.CONNECT, 1.0):
                return "the next step started"
        except asyncio.CancelledError:
            return "stopped before the next step"

    assert asyncio.run(scenario()) == "stopped before the next step"


def test_a_cancellation_from_before_the_check_does_not_stop_it():
    async def scenario() -> str:
        task = asyncio.current_task()
        assert task is not None
        task.cancel()
        # A caller that deliberately carried on (and never uncancelled):
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(0)
        settings = ServerSettings(host="127.0.0.1", port=1, security=Security.STARTTLS)
        run = CheckSession(settings, None, CheckOptions(), None)
        async with run.step(StepName.RESOLVE, 1.0):
            return "ran"

    assert asyncio.run(scenario()) == "ran"
