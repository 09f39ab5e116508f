"""Where a search's time goes on loopback: CPU and wall time of each part, against the lean check.

    .venv/bin/python bench/search_cpu.py                  # the 587 and 7-ahead layouts
    .venv/bin/python bench/search_cpu.py --layouts 15 --runs 60

bench/probe.py says how fast the whole search is; this says why. On loopback nothing waits for
the network, so a part's CPU time is most of its wall time, and the search (discovery and the
probe on one event loop) can only be as fast as its CPU allows. In one run, against the same
lab, samples alternating, each of these is timed with time.process_time() and perf_counter():

- lean: bench/probe.py's lean aiosmtplib check of the working port (the baseline);
- search: find_server(), as bench/probe.py times it;
- discover: discover() alone, the same options (no probing);
- check: our run_check() of the working port alone (its host resolved by the same DNS server);
- probe: a ProbeRun of discovery's candidates alone (their addresses known, as in the search),
  until its decision, then closed.

Printed per part: median CPU and wall time, the time it waited (wall minus CPU) and its CPU as a
ratio to the lean check's. If "search" CPU alone is above 1.3x the lean check's wall time, no
order of the work can meet bench/probe.py's goal: only less work can.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from netlab import SERVER  # bench/ is this script's directory
from probe import EMAIL, Bench, Layout, loopback_main

if TYPE_CHECKING:
    from smtpwizard.core.discovery import DiscoveryResult


def parts(
    bench: Bench, layout: Layout, found: DiscoveryResult
) -> dict[str, Callable[[], Awaitable[None]]]:
    from smtpwizard.core.check import CheckOptions, run_check
    from smtpwizard.core.discovery import discover
    from smtpwizard.core.probe.ports import ProbeRun
    from smtpwizard.core.probe.targets import targets_for_candidates
    from smtpwizard.core.settings import Security, ServerSettings

    label, security, _ = layout.ports[layout.working]
    port = bench.port(layout, label)
    probe_options = bench.probe_options(layout)
    settings = ServerSettings(host=SERVER, port=port, security=Security(security))
    check_options = CheckOptions(ca_file=bench.ca_file, resolver=bench.resolver)

    async def lean() -> None:
        if not await bench.lean(port, security):
            raise SystemExit("the lean check failed")

    async def search() -> None:
        await bench.ours(layout)

    async def discover_alone() -> None:
        await discover(EMAIL, options=bench.discovery)

    async def check_alone() -> None:
        result = await run_check(settings, options=check_options)
        if not result.ok:
            raise SystemExit(f"our check failed: {result.diagnosis.code}")

    async def probe_alone() -> None:
        targets = targets_for_candidates(found.candidates, probe_options, with_addresses=True)
        run = ProbeRun(targets, probe_options)
        try:
            result = await run.decided()
        finally:
            await run.aclose()
        if result.recommended is None or result.recommended.port != port:
            raise SystemExit("the probe did not recommend the working port")

    return {
        "lean": lean,
        "search": search,
        "discover": discover_alone,
        "check": check_alone,
        "probe": probe_alone,
    }


async def measure(bench: Bench, layout: Layout, runs: int) -> list[str]:
    from smtpwizard.core.discovery import discover

    found = await discover(EMAIL, options=bench.discovery)
    jobs = parts(bench, layout, found)
    for job in jobs.values():  # warm-up
        await job()
    cpu: dict[str, list[float]] = {name: [] for name in jobs}
    wall: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(runs):
        for name, job in jobs.items():
            began_cpu, began = time.process_time(), time.perf_counter()
            await job()
            wall[name].append(time.perf_counter() - began)
            cpu[name].append(time.process_time() - began_cpu)
    lean_cpu = statistics.median(cpu["lean"])
    lean_wall = statistics.median(wall["lean"])
    lines = [
        f"[{layout.title}; loopback; medians of {runs}]",
        "  part        CPU ms   wall ms   waited ms   CPU / lean CPU   CPU / lean wall",
    ]
    for name in jobs:
        c, w = statistics.median(cpu[name]), statistics.median(wall[name])
        lines.append(
            f"  {name:9} {c * 1000:8.2f} {w * 1000:9.2f} {(w - c) * 1000:11.2f}"
            f" {c / lean_cpu:16.2f}x {c / lean_wall:16.2f}x"
        )
    return lines


def main() -> int:
    return loopback_main(__doc__.split("\n\n")[0], measure, runs=40, layouts="587,7")


if __name__ == "__main__":
    sys.exit(main())
