"""`smtpwizard batch accounts.csv -o results.csv`: check many mailboxes, politely, resumably.

Exit status: 0 every account passed, 1 some failed (or were not reached), 2 bad input;
130 when stopped by Ctrl-C or a kill signal (the results file then holds the rows done).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from pathlib import Path
from typing import Any

from .commands import COMMANDS
from .common import (
    EXIT_FAILED,
    EXIT_OK,
    add_network_options,
    ca_file_from,
    fail_usage,
    print_json,
    resolver_from,
    timeout_from,
)

EXIT_STOPPED = 130


def add_parsers(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "batch",
        help=COMMANDS["batch"].help,
        description="Check every account in a CSV file (header row: email, and optionally "
        "host, port, security, username, password, password_env). Missing servers are "
        "discovered once per domain. A password column is read only from a file that no "
        "other user can read (chmod 600). Results: one row per account, in order.",
    )
    parser.add_argument("accounts", metavar="ACCOUNTS.csv", type=Path)
    parser.add_argument("-o", "--output", metavar="RESULTS", type=Path, required=True)
    parser.add_argument("--json", action="store_true", help="write JSON lines instead of CSV")
    parser.add_argument(
        "--concurrency", type=int, default=10, metavar="N", help="checks at once (default 10)"
    )
    parser.add_argument(
        "--per-server",
        type=int,
        default=3,
        metavar="N",
        help="connections at once to one server (default 3; mail servers limit this)",
    )
    parser.add_argument(
        "--deadline",
        type=float,
        default=3600.0,
        metavar="S",
        help="time limit for the whole batch in seconds (default 3600)",
    )
    parser.add_argument(
        "--retry-delay",
        type=float,
        default=5.0,
        metavar="S",
        help="wait before the one retry after a temporary refusal (421/4xx; default 5)",
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--resume", action="store_true", help="skip the accounts already in RESULTS, go on"
    )
    group.add_argument("--force", action="store_true", help="replace RESULTS if it exists")
    add_network_options(parser)
    for action in parser._actions:
        if action.dest == "timeout":
            action.help = "time limit of one check in seconds (default 30)"
    parser.set_defaults(handler=run_batch_command)


def _options(args: argparse.Namespace) -> Any:
    from ..core.desk.batch_run import BatchOptions

    if not 1 <= args.concurrency <= 500:
        fail_usage("--concurrency must be between 1 and 500.")
    if not 1 <= args.per_server <= 100:
        fail_usage("--per-server must be between 1 and 100.")
    if not 1 <= args.deadline <= 7 * 24 * 3600:
        fail_usage("--deadline must be between 1 second and a week.")
    if not 0 <= args.retry_delay <= 600:
        fail_usage("--retry-delay must be between 0 and 600 seconds.")
    return BatchOptions(
        concurrency=args.concurrency,
        per_server=args.per_server,
        deadline=args.deadline,
        check_timeout=timeout_from(args),
        retry_delay=args.retry_delay,
        ca_file=ca_file_from(args),
        resolver=resolver_from(args),
    )


def run_batch_command(args: argparse.Namespace) -> int:
    from ..core.desk.batch_input import read_accounts
    from ..core.desk.batch_output import ResultsWriter, read_done
    from .batch_progress import make_progress

    options = _options(args)
    rows = read_accounts(args.accounts)
    out: Path = args.output
    if out.resolve() == args.accounts.resolve():
        fail_usage("The results file would replace the accounts file: choose another -o.")
    if not out.parent.resolve().is_dir():
        fail_usage(f"-o {out}: the folder {out.parent} does not exist.")
    if out.exists() and not (args.resume or args.force):
        fail_usage(f"{out} exists: add --resume to go on with it, or --force to start again.")
    earlier = read_done(out, rows, json_lines=args.json) if args.resume else []
    todo = rows[len(earlier) :]
    writer = ResultsWriter(out, json_lines=args.json, first=len(earlier) + 1)
    progress = make_progress(len(rows), done=len(earlier), failed=sum(not r["ok"] for r in earlier))
    records = list(earlier)

    def finished(result: Any) -> None:
        writer.add(result)
        records.append(result.record())
        progress.update(result.ok)

    began = time.monotonic()
    stopped = False
    try:
        if todo:
            _run(todo, options, finished)
    except KeyboardInterrupt:
        stopped = True
    finally:
        writer.close()
        progress.close()
    if stopped:
        print(
            f"smtpwizard: stopped. {out} holds the first {writer.written} of {len(rows)} "
            "accounts; run the same command with --resume to go on.",
            file=sys.stderr,
        )
        return EXIT_STOPPED
    _print_summary(records, len(rows), time.monotonic() - began, out, as_json=args.json)
    return EXIT_OK if all(r["ok"] for r in records) else EXIT_FAILED


def _run(rows: Any, options: Any, finished: Any) -> None:
    from ..core.desk.batch_run import run_batch

    async def main() -> None:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        # A kill (SIGTERM) stops like Ctrl-C: the rows done stay in the results file.
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
        try:
            await run_batch(rows, options, finished)
        finally:
            loop.remove_signal_handler(signal.SIGTERM)

    try:
        asyncio.run(main())
    except asyncio.CancelledError:
        raise KeyboardInterrupt from None


def _print_summary(
    records: list[dict[str, Any]], total: int, took: float, out: Path, *, as_json: bool
) -> None:
    from ..core.desk.batch_output import summarise
    from ..core.servertext import printable

    lines = summarise(records)
    passed = sum(1 for r in records if r["ok"])
    if as_json:
        print_json(
            {
                "total": total,
                "passed": passed,
                "failed": total - passed,
                "seconds": round(took, 3),
                "results": str(out),
                "codes": [
                    {"code": s.code, "count": s.count, "title": s.title, "fix": s.fix}
                    for s in lines
                ],
            }
        )
        return
    print(f"{passed} of {total} accounts passed ({took:.1f} s); results in {out}")
    for line in lines:
        print(f"  {line.count:>6}  {line.code:<28} {printable(line.title)}")
        if line.code != "ok":
            print(f"          {'':<28} What to do: {printable(line.fix)}")
