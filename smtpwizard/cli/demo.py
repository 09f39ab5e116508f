"""`smtpwizard demo-server` and `smtpwizard demo`: try everything with no real account."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from .commands import COMMANDS
from .common import EXIT_FAILED, EXIT_OK, print_json


def add_parsers(subparsers: argparse._SubParsersAction[Any]) -> None:
    server = subparsers.add_parser(
        "demo-server",
        help=COMMANDS["demo-server"].help,
        description="Start a real SMTP server on 127.0.0.1 (STARTTLS on 2587, SSL/TLS on 2465) "
        "with its own certificate authority, and print the settings to try. Ctrl+C stops it.",
    )
    server.add_argument("--starttls-port", type=int, default=2587)
    server.add_argument("--tls-port", type=int, default=2465)
    server.set_defaults(handler=run_demo_server_command)

    demo = subparsers.add_parser(
        "demo",
        help=COMMANDS["demo"].help,
        description="Start the built-in demo server and test it the way you would test your own "
        "server: connect, secure, sign in and send a test message.",
    )
    demo.add_argument("--json", action="store_true")
    demo.set_defaults(handler=run_demo_check_command)


def run_demo_server_command(args: argparse.Namespace) -> int:
    from ..lab.demo import DemoInfo, format_demo_instructions, run_demo_server

    def ready(info: DemoInfo) -> None:
        print(format_demo_instructions(info), flush=True)

    run_demo_server(starttls_port=args.starttls_port, tls_port=args.tls_port, ready=ready)
    return EXIT_OK


def run_demo_check_command(args: argparse.Namespace) -> int:
    from ..core.check import CheckOptions, run_check
    from ..core.settings import Security, ServerSettings
    from ..lab.demo import format_demo_instructions, start_demo
    from .check import print_human

    with start_demo() as demo:
        settings = ServerSettings(
            host=demo.server_name,
            port=demo.starttls_port,
            security=Security.STARTTLS,
            username=demo.username,
        )
        options = CheckOptions(ca_file=str(demo.ca_file), send_to=demo.username)
        result = asyncio.run(run_check(settings, password=demo.password, options=options))
        if args.json:
            print_json(result.to_dict())
        else:
            print(format_demo_instructions(demo))
            print()
            print_human(result)
    return EXIT_OK if result.ok else EXIT_FAILED
