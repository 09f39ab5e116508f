"""Hostile and broken servers end within the deadline, with a clear diagnosis and bounded memory."""

from __future__ import annotations

import asyncio
import json
import time
import tracemalloc

import pytest

from smtpwizard.core.check import CheckOptions, run_check

from .helpers import check, settings_for


@pytest.mark.parametrize(
    ("scenario", "code", "max_seconds"),
    [
        ("huge_banner", "protocol_error", 3),
        ("endless_continuation", "protocol_error", 3),
        ("garbage", "protocol_error", 6),
        ("ehlo_10000", "protocol_error", 3),
        ("trickle", "timeout", 6),
        ("silent", "timeout", 6),
    ],
)
def test_hostile_servers_end_in_time_with_bounded_memory(lab, scenario, code, max_seconds):
    ep = lab.start(scenario)
    tracemalloc.start()
    try:
        began = time.monotonic()
        result = check(lab, ep, security="starttls", timeout=4)
        took = time.monotonic() - began
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.diagnosis.code == code, result.diagnosis
    assert took < max_seconds
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    json.dumps(result.to_dict())  # whatever the server sent, the report stays serialisable
    assert sum(len(line) for line in result.transcript) < 200_000
    assert ep.auth_attempts == []


def test_invalid_utf8_banner_is_shown_safely(lab):
    ep = lab.start("invalid_utf8")
    result = check(lab, ep)
    assert result.ok, result.diagnosis
    assert "\ufffd" in result.server.banner
    json.dumps(result.to_dict(), ensure_ascii=False).encode("utf-8")


def test_cancel_stops_within_a_second_and_closes_the_connection(lab):
    ep = lab.start("silent")
    settings = settings_for(ep)

    async def scenario() -> float:
        task = asyncio.create_task(
            run_check(settings, password="x", options=CheckOptions(timeout=60))
        )
        while ep.connections < 1:
            await asyncio.sleep(0.01)  # polling a server counter, not synchronising on time
        cancelled_at = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic() - cancelled_at

    took = asyncio.run(scenario())
    assert took < 1.0
    assert ep.wait_idle(), "the check left its connection open"


def test_progress_reports_every_step_in_order(lab):
    ep = lab.start("starttls_ok")
    events = []

    async def run():
        return await run_check(
            settings_for(ep),
            password=ep.password,
            options=CheckOptions(ca_file=str(lab.ca_file)),
            progress=events.append,
        )

    result = asyncio.run(run())
    assert result.ok
    running = [e.step.name.value for e in events if e.step.status.value == "running"]
    assert running == [s.name.value for s in result.steps]
    assert all(e.elapsed >= 0 for e in events)
    assert all(len(e.steps) == len(result.steps) for e in events)  # the whole list each time


def test_progress_can_carry_the_changed_step_alone(lab):
    """What the probe asks for: the same events, without a copy of every step in each."""
    ep = lab.start("starttls_ok")
    full, lean = [], []

    async def run(events, steps):
        options = CheckOptions(ca_file=str(lab.ca_file), progress_steps=steps)
        return await run_check(
            settings_for(ep), password=ep.password, options=options, progress=events.append
        )

    assert asyncio.run(run(full, True)).ok and asyncio.run(run(lean, False)).ok
    assert [(e.step.name, e.step.status) for e in lean] == [
        (e.step.name, e.step.status) for e in full
    ]
    assert all(e.steps == () for e in lean) and all(e.steps for e in full)
