"""Pieces every CLI command shares: network options, password sources, output helpers."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import Any, NoReturn

from ..core.errors import InputError
from ..core.inputs import parse_dns_server, parse_resolve
from ..core.net.resolve import ResolverConfig
from ..core.servertext import clean, clean_tree

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# discover: settings found, but the probe could not reach them to test them (offline, no answer).
EXIT_UNTESTED = 3


class UsageError(Exception):
    """Bad usage or bad input: exit status 2 with this message."""


def fail_usage(message: str) -> NoReturn:
    raise UsageError(message)


def add_network_options(parser: argparse.ArgumentParser, *, resolve: bool = True) -> None:
    group = parser.add_argument_group("network")
    group.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="S",
        help="overall time limit in seconds (default 30)",
    )
    group.add_argument(
        "--dns-server",
        metavar="IP[:PORT]",
        help="resolve names through this DNS server instead of the system's",
    )
    if resolve:
        group.add_argument(
            "--resolve",
            action="append",
            default=[],
            metavar="HOST:IP",
            help="connect to IP for HOST but verify the certificate for HOST "
            "(like curl); may be repeated",
        )
    group.add_argument(
        "--ca-file", metavar="PEM", help="also trust the certificate authorities in this PEM file"
    )


def resolver_from(args: argparse.Namespace) -> ResolverConfig:
    dns_server = parse_dns_server(args.dns_server) if args.dns_server else None
    overrides = dict(parse_resolve(item) for item in getattr(args, "resolve", []) or [])
    return ResolverConfig(dns_server=dns_server, overrides=overrides)


def timeout_from(args: argparse.Namespace, default: float = 30.0) -> float:
    if args.timeout is None:
        return default
    if not 0.5 <= args.timeout <= 600:
        fail_usage("--timeout must be between 0.5 and 600 seconds.")
    return float(args.timeout)


def ca_file_from(args: argparse.Namespace) -> str | None:
    path = args.ca_file
    if path is None:
        return None
    if not os.path.isfile(path):
        fail_usage(f"--ca-file {path}: no such file.")
    try:
        with open(path, "rb") as handle:
            head = handle.read(1 << 20)
    except OSError as exc:
        fail_usage(f"--ca-file {path}: cannot be read ({exc.strerror}).")
    if b"-----BEGIN CERTIFICATE-----" not in head:
        fail_usage(f"--ca-file {path}: this is not a PEM file of certificates.")
    return str(path)


def add_password_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--password-env", metavar="VAR", help="read the password from this environment variable"
    )
    group.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )
    group.add_argument(
        "--keyring",
        action="store_true",
        help="use the password saved in the system keychain (by the wizard)",
    )


def password_from(args: argparse.Namespace, *, key: str | None, needed: bool) -> str | None:
    """The password from the chosen source; never from the command line itself."""
    if args.password_env:
        value = os.environ.get(args.password_env)
        if value is None:
            fail_usage(f"The environment variable {args.password_env} is not set.")
        return value
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            fail_usage("--password-stdin: nothing was given on standard input.")
        return line.rstrip("\r\n")
    if getattr(args, "keyring", False):
        return _password_from_keyring(key)
    if not needed:
        return None
    if sys.stdin.isatty():
        return getpass.getpass("Password (not shown): ")
    fail_usage(
        "A username was given but no password: use --password-env VAR, "
        "--password-stdin or --keyring."
    )


def _password_from_keyring(key: str | None) -> str:
    from ..core.credentials import KeychainError, load_password_sync

    if key is None:
        fail_usage("--keyring needs a username and server to look up.")
    try:
        password = load_password_sync(key)
    except KeychainError as exc:
        fail_usage(f"{exc.title}: {exc.message}")
    if password is None:
        fail_usage(
            f"No password is saved in the system keychain for {key}. "
            "Save it with the wizard, or use --password-env / --password-stdin."
        )
    return password


def print_json(data: Any) -> None:
    # Every string passes the server-text boundary once more: the JSON is valid UTF-8 and
    # holds no escape sequence, bidi override or invisible character, whatever path it took.
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write(json.dumps(clean_tree(json.loads(text)), indent=2, ensure_ascii=False))
    sys.stdout.write("\n")


class TerminalSafe:
    """A text stream wrapper: whatever is written reaches the terminal through clean().

    The command line's last guard: diagnoses, steps and certificate fields are cleaned where
    they enter, and this catches any path that was missed (tabs and line breaks are kept).
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write(clean(text, multiline=True))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def supports_unicode() -> bool:
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower()
    return "utf" in encoding


def input_error_message(exc: InputError) -> str:
    return exc.message
