"""Run one smtpwizard command in this process and report its own peak RSS.

    python rss_probe.py --report FILE [--ballast-mib N] -- check --host ... --json

Why the child reports its peak itself: on Linux, the ru_maxrss that os.wait4() or
getrusage(RUSAGE_CHILDREN) give for a child includes the RSS of the process it was forked from
(exec keeps the old image's high-water mark), so a child of a 300 MiB pytest process "peaks" at
300 MiB whatever it does. VmHWM in /proc/self/status belongs to the image exec created: it is
this process's own peak, and it is written to FILE (in bytes) when the command has finished.

The ballast (pages actually written, so they count) is the control: a child that grew by N MiB
must be caught by the same measurement, or the bound the tests assert would prove nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

MIB = 1024 * 1024


def peak_rss() -> int:
    """This process's peak resident set size in bytes (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024  # reported in kB
    raise RuntimeError("no VmHWM in /proc/self/status")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="rss_probe")
    parser.add_argument("--report", required=True, type=Path)
    parser.add_argument("--ballast-mib", type=int, default=0)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    # bytes * n writes every byte, so the pages are resident (bytearray(n) may stay untouched).
    ballast = b"\x01" * (args.ballast_mib * MIB)

    from smtpwizard.cli import main as smtpwizard_main

    try:
        return smtpwizard_main(command)
    finally:
        del ballast
        args.report.write_text(str(peak_rss()))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
