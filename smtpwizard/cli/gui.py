"""`smtpwizard gui`: open the wizard (optionally on the demo server, or to take screenshots)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .commands import COMMANDS


def add_parsers(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "gui",
        help=COMMANDS["gui"].help,
        description="Open the setup wizard.",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start the built-in demo server and open the wizard ready to try it",
    )
    parser.add_argument(
        "--screenshots",
        metavar="DIR",
        type=Path,
        help="with --demo: walk every page, save one PNG per page in DIR, exit "
        "0 only if the walk reached the last page with a passing test",
    )
    parser.add_argument(
        "--preset",
        metavar="FILE|URL",
        help="open with a support desk's preset (a TOML/JSON file or an https:// URL)",
    )
    parser.add_argument(
        "--results",
        metavar="FILE",
        type=Path,
        help="show the failures in a results file of smtpwizard batch",
    )
    parser.set_defaults(handler=run_gui_command)


def run_gui_command(args: argparse.Namespace) -> int:
    from .common import fail_usage

    if args.screenshots is not None and not args.demo:
        fail_usage("--screenshots walks the demo: use it together with --demo.")
    if args.screenshots is None:
        from ..ui.screen import no_screen_problem

        problem = no_screen_problem()
        if problem:
            fail_usage(problem.removeprefix("smtpwizard: "))
    preset = None
    if args.preset is not None:
        import asyncio

        from ..core.desk.preset_source import read_preset

        # Read before any window opens: a bad preset is a clear message and nothing else.
        preset = asyncio.run(read_preset(args.preset))
    results = None
    if args.results is not None:
        from ..core.desk.batch_results import read_results_file

        results = read_results_file(args.results)
    from ..ui.app import run_gui

    return run_gui(demo=args.demo, screenshots=args.screenshots, preset=preset, results=results)
