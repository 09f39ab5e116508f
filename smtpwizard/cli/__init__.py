"""The command line: every job the wizard does, with JSON output and stable exit codes.

Exit status: 0 the job succeeded, 1 it ran and failed (with a diagnosis), 2 bad usage or input.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from .. import __version__
from ..core.errors import InputError, SmtpWizardError
from .commands import COMMANDS, chosen_command
from .common import EXIT_FAILED, EXIT_USAGE, UsageError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise UsageError(message)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for argv: the chosen command in full, every other one by name and help only.

    Without argv (or when it names no command) every command is listed by name and help, which
    is all `smtpwizard --help` and a usage error need.
    """
    parser = _Parser(
        prog="smtpwizard",
        description="Get outgoing email (SMTP) working: find the server, test it for real, "
        "and explain any problem in plain words. Without a command, the wizard opens.",
    )
    parser.add_argument("--version", action="version", version=f"smtpwizard {__version__}")
    # Typed loosely: each command module takes the standard _SubParsersAction.
    subparsers: Any = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    chosen = chosen_command(list(argv or ()))
    if chosen is not None:
        module = importlib.import_module(f".{COMMANDS[chosen].module}", __name__)
        module.add_parsers(subparsers)
    for name, command in COMMANDS.items():
        if name not in subparsers.choices:
            subparsers.add_parser(name, help=command.help, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from .common import TerminalSafe

    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = TerminalSafe(sys.stdout), TerminalSafe(sys.stderr)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = saved


def _main(argv: Sequence[str] | None) -> int:
    try:
        argv = list(sys.argv[1:] if argv is None else argv)
        parser = build_parser(argv)
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_USAGE
        return int(args.handler(args))
    except UsageError as exc:
        print(f"smtpwizard: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except InputError as exc:
        print(f"smtpwizard: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except SmtpWizardError as exc:
        from ..core.profiles import ProfileError

        print(f"smtpwizard: {getattr(exc, 'message', exc)}", file=sys.stderr)
        # A profile that does not exist or cannot be read is bad input, like a bad --host.
        return EXIT_USAGE if isinstance(exc, ProfileError) else EXIT_FAILED
    except KeyboardInterrupt:
        print("smtpwizard: stopped.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_FAILED
    except Exception as exc:  # a bug: still no traceback for the user, but a way to report it
        print(
            f"smtpwizard: something went wrong inside smtpwizard ({type(exc).__name__}: {exc}). "
            "Please report this; run with SMTPWIZARD_DEBUG=1 to see the details.",
            file=sys.stderr,
        )
        import os

        if os.environ.get("SMTPWIZARD_DEBUG"):
            raise
        return EXIT_FAILED
