"""Is a change faster? This tree's loopback search against another revision's, fairly compared.

    .venv/bin/python bench/compare.py HEAD~1                      # 6 pairs of 20 rounds
    .venv/bin/python bench/compare.py f6b9cb8 --pairs 9 --rounds 30 --layouts 587,7

One run of bench/probe.py on loopback is good to about ±0.15 on a shared 2-core VM: the machine's
speed drifts by a factor of two within minutes, and two variants measured in one process also
differ by where in each round they run. A difference of 0.05 takes many samples from both
trees, spread over the same stretch of time. So:

- REV is checked out into a temporary git worktree (removed at the end);
- then, in pairs, one process of each tree (which goes first alternates from pair to pair)
  measures every layout: `--rounds` rounds of bench/probe.py's lean aiosmtplib check of the
  working port and then `find_server()` (Bench.lean, Bench.ours), each process against a lab of
  its own (bench/netlab.py), after two rounds to warm up;
- each process runs its own tree's bench/probe.py and package (the bench puts its tree first
  on sys.path), so a change to the lab or the lean check is part of what is compared.

Printed per layout: the median ratio (search / lean check, medians of each process's rounds) of
each tree with its range over the pairs, and the median of the pairs' differences (this tree
minus REV; negative is faster). The processes' own lines go to stderr as they come.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[1]
LAYOUT_KEYS = "587,465,2525,7,15"


def measure(tree: Path, layouts: list[str], rounds: int) -> None:
    """The child: one line of JSON per layout, {"layout", "lean", "ours"} (medians, seconds)."""
    import asyncio
    import time

    sys.path[0] = str(tree / "bench")  # that tree's bench and, through it, its package
    from probe import LAYOUTS, lab_for

    async def rounds_of(bench: Any, layout: Any) -> tuple[float, float]:
        label, security, _ = layout.ports[layout.working]
        port = bench.port(layout, label)
        lean, ours = [], []
        for index in range(rounds + 2):
            began = time.perf_counter()
            if not await bench.lean(port, security):
                raise SystemExit(f"layout {layout.key}: the lean check failed")
            took = time.perf_counter() - began
            searched = await bench.ours(layout)
            if index >= 2:  # the first two warm up
                lean.append(took)
                ours.append(searched)
        return statistics.median(lean), statistics.median(ours)

    chosen = [LAYOUTS[key] for key in layouts]
    with lab_for(chosen) as (bench, _):
        for layout in chosen:
            lean, ours = asyncio.run(rounds_of(bench, layout))
            print(json.dumps({"layout": layout.key, "lean": lean, "ours": ours}), flush=True)


def run_child(tree: Path, layouts: list[str], rounds: int) -> dict[str, float]:
    """One measuring process of `tree`: {layout: ratio}."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(tree)]
    command += ["--layouts", ",".join(layouts), "--rounds", str(rounds)]
    done = subprocess.run(command, cwd=tree, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"the measuring process of {tree} failed:\n{done.stderr[-2000:]}")
    ratios: dict[str, float] = {}
    for line in done.stdout.splitlines():
        row = json.loads(line)
        ratios[row["layout"]] = row["ours"] / row["lean"]
        print(
            f"  {tree.name:>12} {row['layout']:>5}: ratio {ratios[row['layout']]:.3f}",
            file=sys.stderr,
        )
    return ratios


def compare(rev: str, layouts: list[str], pairs: int, rounds: int) -> int:
    with tempfile.TemporaryDirectory(prefix="smtpwizard-compare-") as scratch:
        other = Path(scratch) / rev.replace("/", "_")[:12]
        subprocess.run(
            ["git", "-C", str(HERE), "worktree", "add", "--detach", "--quiet", str(other), rev],
            check=True,
        )
        try:
            ours: list[dict[str, float]] = []
            theirs: list[dict[str, float]] = []
            for pair in range(pairs):
                print(f"pair {pair + 1} of {pairs}", file=sys.stderr)
                first, second = (HERE, other) if pair % 2 == 0 else (other, HERE)
                results = {first: run_child(first, layouts, rounds)}
                results[second] = run_child(second, layouts, rounds)
                ours.append(results[HERE])
                theirs.append(results[other])
        finally:
            git = ["git", "-C", str(HERE), "worktree"]
            subprocess.run([*git, "remove", "--force", str(other)], check=False)
            subprocess.run([*git, "prune"], check=False)  # had the removal failed
    print(f"search / lean check on loopback; {pairs} pairs of processes, {rounds} rounds each")
    print(f"{'layout':>7}  {'this tree':>20}  {rev[:12]:>20}  this minus it")
    for key in layouts:
        mine = [r[key] for r in ours]
        old = [r[key] for r in theirs]
        diff = statistics.median(a - b for a, b in zip(mine, old, strict=True))
        print(f"{key:>7}  {_spread(mine):>20}  {_spread(old):>20}  {diff:+.3f}")
    return 0


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.2f}-{max(values):.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rev", nargs="?", help="the git revision to compare with")
    parser.add_argument("--pairs", type=int, default=6, help="pairs of processes")
    parser.add_argument("--rounds", type=int, default=20, help="rounds in each process")
    parser.add_argument("--layouts", default=LAYOUT_KEYS, help=f"some of {LAYOUT_KEYS}")
    parser.add_argument("--child", metavar="TREE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    layouts = [key.strip() for key in args.layouts.split(",") if key.strip()]
    if args.pairs < 1 or args.rounds < 1 or not layouts:
        parser.error("--pairs, --rounds and --layouts must be positive")
    if args.child:
        measure(Path(args.child), layouts, args.rounds)
        return 0
    if not args.rev:
        parser.error("give the revision to compare with, e.g. HEAD~1")
    unknown = set(layouts) - set(LAYOUT_KEYS.split(","))
    if unknown:
        parser.error(f"--layouts takes some of {LAYOUT_KEYS}")
    return compare(args.rev, layouts, args.pairs, args.rounds)


if __name__ == "__main__":
    sys.exit(main())
