"""`smtpwizard report show FILE.json`: a customer's report, readable in a terminal."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .commands import COMMANDS
from .common import EXIT_FAILED, EXIT_OK, print_json


def add_parsers(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "report",
        help=COMMANDS["report"].help,
        description="Read the .json twin of a saved report and print it for the support desk.",
    )
    actions: Any = parser.add_subparsers(dest="report_command", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="print a report readably")
    show.add_argument("file", metavar="FILE.json", type=Path)
    show.add_argument("--json", action="store_true", help="print the checked JSON instead")
    show.set_defaults(handler=run_report_show)


def run_report_show(args: argparse.Namespace) -> int:
    from ..core.desk import load_report
    from ..core.desk.report_text import report_lines

    path: Path = args.file
    if path.suffix.lower() in {".html", ".htm"}:
        path = path.with_suffix(".json")  # the page's twin holds the same facts
    report = load_report(path)
    if args.json:
        print_json(report)
    else:
        print("\n".join(report_lines(report)))
    return EXIT_OK if report.get("ok") else EXIT_FAILED
