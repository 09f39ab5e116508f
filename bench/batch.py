"""How fast and how lean is `smtpwizard batch`? Run: .venv/bin/python bench/batch.py

One run starts a lab in a separate process (so its CPU time is not the measured process's):
SERVERS real lab SMTP servers (STARTTLS, verified certificate, a real sign-in), each behind a
connection limit like Postfix's anvil (tests/labkit/limiter.py: over LIMIT connections at once
from us, a 421 greeting) and a simulated round trip (loopback has none; without it a check is
pure CPU and a single asyncio process cannot overlap CPU). Then, for each row count, a fresh
process measures:

- one check's time: the median of sequential single checks against the same servers, idle;
- the batch: ROWS accounts spread over the servers, at --concurrency 50 with a per-server limit
  under the lab's, written to a results file as the CLI does; wall time as a ratio to
  (ROWS / concurrency) x one check (goal at most 1.3);
- peak RSS (goal under 200 MiB, and flat between 200 and 1,000 rows);
- open file descriptors before and after (goal: none leaked).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HOSTS = [f"127.0.16.{n}" for n in range(20, 30)]


def _lab(conn: Any, servers: int, limit: int, rtt: float) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.labkit import Lab
    from tests.labkit.limiter import ConnectionLimit

    with Lab() as lab:
        fronts = []
        for host in HOSTS[:servers]:
            ep = lab.start("starttls_ok", host=host)
            fronts.append(ConnectionLimit((ep.host, ep.port), limit, host=host, latency=rtt))
        conn.send(
            {
                "servers": [(f.host, f.port) for f in fronts],
                "ca_file": str(lab.ca_file),
                "username": ep.username,
                "password": ep.password,
            }
        )
        while (message := conn.recv()) != "stop":
            if message == "stats":
                conn.send(
                    {"refused": sum(f.refused for f in fronts), "peak": max(f.peak for f in fronts)}
                )
        for front in fronts:
            front.close()


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _measure(conn: Any, lab: dict[str, Any], rows: int, args: dict[str, Any]) -> None:
    sys.path.insert(0, str(ROOT))
    from smtpwizard.core.check import CheckOptions, run_check
    from smtpwizard.core.desk.batch_input import BatchRow
    from smtpwizard.core.desk.batch_output import ResultsWriter
    from smtpwizard.core.desk.batch_run import BatchOptions, run_batch
    from smtpwizard.core.settings import Security, ServerSettings

    servers = lab["servers"]
    user, password, ca_file = lab["username"], lab["password"], lab["ca_file"]
    fds_before = _fds()

    async def one_check(n: int) -> float:
        host, port = servers[n % len(servers)]
        settings = ServerSettings(host, port, Security.STARTTLS, username=user)
        began = time.perf_counter()
        result = await run_check(settings, password=password, options=CheckOptions(ca_file=ca_file))
        assert result.ok, result.diagnosis.code
        return time.perf_counter() - began

    async def baseline() -> float:
        await one_check(0)  # warm-up: imports, the shared TLS context
        return statistics.median([await one_check(n) for n in range(args["baseline_runs"])])

    one = asyncio.run(baseline())
    accounts = [
        BatchRow(
            n + 1,
            n + 2,
            f"user{n}@lab.test",
            *servers[n % len(servers)],
            Security.STARTTLS,
            user,
            password,
        )
        for n in range(rows)
    ]
    options = BatchOptions(
        concurrency=args["concurrency"],
        per_server=args["per_server"],
        ca_file=ca_file,
        retry_delay=1.0,
    )
    failed = 0
    with tempfile.TemporaryDirectory() as folder:
        writer = ResultsWriter(Path(folder) / "results.csv", json_lines=False)

        def done(result: Any) -> None:
            nonlocal failed
            writer.add(result)
            failed += not result.ok

        cpu_before = time.process_time()
        began = time.perf_counter()
        asyncio.run(run_batch(accounts, options, done))
        wall = time.perf_counter() - began
        cpu = time.process_time() - cpu_before
        writer.close()
    gc.collect()
    conn.send(
        {
            "rows": rows,
            "one_check": one,
            "wall": wall,
            "ratio": wall / (rows / args["concurrency"] * one),
            "failed": failed,
            "cpu_share": cpu / wall,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "fds_leaked": _fds() - fds_before,
        }
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default="200,1000", help="row counts, comma-separated")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--servers", type=int, default=7)
    parser.add_argument("--limit", type=int, default=12, help="the lab's limit per server")
    parser.add_argument("--per-server", type=int, default=8, help="the batch's limit")
    parser.add_argument("--rtt", type=float, default=0.1, help="simulated round trip, seconds")
    parser.add_argument("--baseline-runs", type=int, default=15)
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    lab_process = context.Process(target=_lab, args=(theirs, args.servers, args.limit, args.rtt))
    lab_process.start()
    lab = ours.recv()
    settings = vars(args)
    print(
        f"lab: {args.servers} servers, limit {args.limit} connections each, simulated round "
        f"trip {args.rtt * 1000:.0f} ms; batch: concurrency {args.concurrency}, per-server "
        f"{args.per_server}"
    )
    print(
        f"{'rows':>6} {'one check':>10} {'wall':>8} {'ratio':>6} {'failed':>6} "
        f"{'peak RSS':>9} {'fds leaked':>10} {'CPU busy':>9}"
    )
    figures = []
    try:
        for rows in (int(n) for n in args.rows.split(",")):
            mine, child = context.Pipe()
            measured = context.Process(target=_measure, args=(child, lab, rows, settings))
            measured.start()
            got = mine.recv()
            measured.join()
            figures.append(got)
            print(
                f"{got['rows']:>6} {got['one_check'] * 1000:>8.0f} ms {got['wall']:>6.2f} s "
                f"{got['ratio']:>5.2f}x {got['failed']:>6} {got['peak_rss_mib']:>5.0f} MiB "
                f"{got['fds_leaked']:>10} {got['cpu_share'] * 100:>8.0f}%"
            )
        ours.send("stats")
        stats = ours.recv()
    finally:
        ours.send("stop")
        lab_process.join(30)
    print(
        f"lab: {stats['refused']} connections turned away (421), peak {stats['peak']} at once "
        "on one server"
    )
    if len(figures) >= 2:
        growth = figures[-1]["peak_rss_mib"] - figures[0]["peak_rss_mib"]
        print(
            f"peak RSS from {figures[0]['rows']} to {figures[-1]['rows']} rows: {growth:+.1f} MiB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
