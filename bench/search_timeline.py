"""When each step of the working port's check happens: in the search, alone, and in a lean check.

    .venv/bin/python bench/search_timeline.py                 # the 587 layout, medians of 30
    .venv/bin/python bench/search_timeline.py --layouts 465,7 --runs 60

bench/search_cpu.py says how much CPU each part of a loopback search costs; this says where on
the clock the working port loses time against the lean check. In one run, against the same lab
as bench/probe.py, samples alternating, each timed from its own start (ms, medians):

- lean: bench/probe.py's lean aiosmtplib check (Bench.lean), its phases stamped (DNS,
  connect, aiosmtplib's connect() with greeting, EHLO and any STARTTLS upgrade, EHLO, QUIT);
- check: our run_check() of the working port alone, each step's end as its progress reports it;
- search: find_server() as bench/probe.py times it, with the moment the probe starts the
  working port, the end of its connect, its later steps, each discovery source's end and the
  return. The probe reports steps only to its own slot keeper, and connects before its check
  begins (core/probe/attempts.py), so this script wraps attempts.py's `ConnectStep` and
  `run_check` to see them: bench-only hooks that cost a function call per step of that one
  port.

A step's time in the search minus its time alone is what the rest of the search (discovery,
the other ports) cost the working port by then.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from netlab import SERVER  # bench/ is this script's directory
from probe import EMAIL, Bench, Layout, loopback_main

Stamps = dict[str, float]


def _step_recorder(
    stamps: Stamps, began: float, skip: tuple[str, ...] = ()
) -> Callable[[Any], None]:
    """Progress callback: the first time each step (but those in `skip`) reaches a final state."""

    def record(event: Any) -> None:
        step = event.step
        if step.status.value in ("ok", "failed") and step.name.value not in skip:
            stamps.setdefault(f"{step.name.value} {step.status.value}", time.perf_counter() - began)

    return record


@contextlib.contextmanager
def timed_parts(
    bench: Bench, layout: Layout
) -> Iterator[dict[str, Callable[[], Awaitable[Stamps]]]]:
    """The three parts to time; the hooks on the probe are in place until the block ends."""
    import smtpwizard.core.probe.attempts as attempts
    from smtpwizard.core.check import CheckOptions, Connection, run_check
    from smtpwizard.core.probe import find_server
    from smtpwizard.core.settings import Security, ServerSettings

    label, security, _ = layout.ports[layout.working]
    port = bench.port(layout, label)
    settings = ServerSettings(host=SERVER, port=port, security=Security(security))
    check_options = CheckOptions(ca_file=bench.ca_file, resolver=bench.resolver)
    probe_options = bench.probe_options(layout)
    current: list[tuple[Stamps, float]] = []  # the search being timed
    connect_step, talk = attempts.ConnectStep, attempts.run_check

    class WatchedStep(connect_step):  # type: ignore[misc,valid-type]
        def __init__(self, settings: Any, options: Any, on_done: Any, *args: Any) -> None:
            if settings.port == port and current:
                stamps, began = current[-1]
                stamps.setdefault("probe starts the port", time.perf_counter() - began)

                def done(outcome: Any, then: Any = on_done) -> None:
                    if isinstance(outcome, Connection):
                        stamps.setdefault("connect ok", time.perf_counter() - began)
                    then(outcome)

                on_done = done
            super().__init__(settings, options, on_done, *args)

    async def watched(settings: Any, *, progress: Any, **kwargs: Any) -> Any:
        if settings.port != port or not current:
            return await talk(settings, progress=progress, **kwargs)
        stamps, began = current[-1]
        # Its resolve and connect are reported once it is connected: WatchedStep stamps those.
        record = _step_recorder(stamps, began, skip=("resolve", "connect"))

        def both(event: Any) -> None:
            record(event)
            progress(event)

        return await talk(settings, progress=both, **kwargs)

    async def lean() -> Stamps:
        stamps: Stamps = {}
        if not await bench.lean(port, security, stamps=stamps):
            raise SystemExit("the lean check failed")
        return stamps

    async def check() -> Stamps:
        stamps: Stamps = {}
        began = time.perf_counter()
        result = await run_check(
            settings, options=check_options, progress=_step_recorder(stamps, began)
        )
        if not result.ok:
            raise SystemExit(f"our check failed: {result.diagnosis.code}")
        stamps["returned"] = time.perf_counter() - began
        return stamps

    async def search() -> Stamps:
        stamps: Stamps = {}
        began = time.perf_counter()

        def source(event: Any) -> None:
            if event.phase == "finished":
                stamps.setdefault(f"source {event.kind.value}", time.perf_counter() - began)

        current.append((stamps, began))
        try:
            found = await find_server(
                EMAIL, discovery=bench.discovery, probe=probe_options, on_source=source
            )
        finally:
            current.pop()
        stamps["returned"] = time.perf_counter() - began
        if found.recommended is None or found.recommended.port != port:
            raise SystemExit("the search did not recommend the working port")
        return stamps

    attempts.ConnectStep = WatchedStep  # type: ignore[misc]
    attempts.run_check = watched  # type: ignore[assignment]
    try:
        yield {"lean": lean, "check": check, "search": search}
    finally:
        attempts.ConnectStep = connect_step  # type: ignore[misc]
        attempts.run_check = talk  # type: ignore[assignment]


async def measure(bench: Bench, layout: Layout, runs: int) -> list[str]:
    with timed_parts(bench, layout) as parts:
        for job in parts.values():  # warm-up
            await job()
        samples: dict[str, list[Stamps]] = {name: [] for name in parts}
        for _ in range(runs):
            for name, job in parts.items():
                samples[name].append(await job())
    lines = [f"[{layout.title}; loopback; ms from each one's start, medians of {runs}]"]
    alone = {k: statistics.median(s[k] for s in samples["check"]) for k in samples["check"][0]}
    for name, rows in samples.items():
        lines.append(f"  {name}:")
        keys = sorted(rows[0], key=lambda k: statistics.median(r[k] for r in rows))
        for key in keys:
            at = statistics.median(r[key] for r in rows if key in r)
            later = (
                f"  ({(at - alone[key]) * 1000:+.2f} against alone)"
                if name == "search" and key in alone
                else ""
            )
            lines.append(f"    {at * 1000:7.2f}  {key}{later}")
    return lines


def main() -> int:
    return loopback_main(__doc__.split("\n\n")[0], measure, runs=30, layouts="587")


if __name__ == "__main__":
    sys.exit(main())
