"""`smtpwizard check`: one live test of a server, told as steps and a plain diagnosis."""

from __future__ import annotations

import argparse
import asyncio
import sys
import textwrap
from typing import Any, TextIO

from ..core.check import CheckOptions, CheckResult, StepStatus, run_check
from ..core.diagnosis.catalogue import SECURITY_WORDS
from ..core.inputs import parse_email, parse_fingerprint, parse_host, parse_port, parse_username
from ..core.settings import Security, ServerSettings, default_security_for_port
from .commands import COMMANDS
from .common import (
    EXIT_FAILED,
    EXIT_OK,
    add_network_options,
    add_password_options,
    ca_file_from,
    fail_usage,
    password_from,
    print_json,
    resolver_from,
    supports_unicode,
    timeout_from,
)


def add_parsers(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "check",
        help=COMMANDS["check"].help,
        description="Connect to an SMTP server, secure the connection, sign in and optionally "
        "send a test message; explain any failure in plain words.",
    )
    parser.add_argument("--host", help="server name; smtp://host:port is understood")
    parser.add_argument(
        "--profile",
        metavar="NAME",
        help="test settings saved by the wizard (the password comes from the keychain)",
    )
    parser.add_argument(
        "--port", help="port (587, 465, 2525 or 25); taken from --host if given there"
    )
    parser.add_argument(
        "--security",
        choices=[s.value for s in Security],
        help="starttls, tls (SSL/TLS from the first byte) or none",
    )
    parser.add_argument("--user", help="username, usually the full email address")
    add_password_options(parser)
    parser.add_argument(
        "--trust-fingerprint",
        metavar="SHA256",
        help="trust exactly this one certificate (its SHA-256 fingerprint)",
    )
    parser.add_argument(
        "--allow-insecure-auth",
        action="store_true",
        help="allow sending the password over an unencrypted connection "
        "(only for a server you trust, with --security none)",
    )
    parser.add_argument("--send-to", metavar="ADDRESS", help="also send a short test message here")
    parser.add_argument(
        "--from",
        dest="mail_from",
        metavar="ADDRESS",
        help="sender of the test message (default: the username)",
    )
    add_network_options(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run_check_command)


def settings_from_args(args: argparse.Namespace) -> ServerSettings:
    if args.profile is not None:
        return _settings_from_profile(args)
    if args.host is None:
        fail_usage("Give the server with --host (or a saved profile with --profile).")
    parsed = parse_host(args.host)
    port = parse_port(args.port) if args.port is not None else parsed.port
    if port is None:
        fail_usage("Please give the port with --port (587 is the usual one).")
    if args.security is not None:
        security = Security(args.security)
    else:
        security = parsed.security or default_security_for_port(port)
    username = parse_username(args.user) if args.user else None
    fingerprint = parse_fingerprint(args.trust_fingerprint) if args.trust_fingerprint else None
    return ServerSettings(
        host=parsed.host,
        port=port,
        security=security,
        username=username or None,
        allow_insecure_auth=bool(args.allow_insecure_auth),
        trusted_fingerprint=fingerprint,
    )


def _settings_from_profile(args: argparse.Namespace) -> ServerSettings:
    from ..core.profiles import load_profile

    if args.host is not None:
        fail_usage("Give either --profile or --host, not both.")
    settings = load_profile(args.profile).server
    changes: dict[str, object] = {}
    if args.port is not None:
        changes["port"] = parse_port(args.port)
    if args.security is not None:
        changes["security"] = args.security
    if args.user is not None:
        changes["username"] = parse_username(args.user) or None
    if args.trust_fingerprint:
        changes["trusted_fingerprint"] = parse_fingerprint(args.trust_fingerprint)
    if not (args.password_env or args.password_stdin) and settings.username:
        args.keyring = True  # what the wizard saved
    return settings.with_changes(**changes) if changes else settings


def run_check_command(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    send_to = parse_email(args.send_to, "send_to") if args.send_to else None
    mail_from = parse_email(args.mail_from, "from") if args.mail_from else None
    key = None
    if settings.username and args.keyring:  # the keychain package is imported only for it
        from ..core.credentials import credential_key

        key = credential_key(settings)
    password = password_from(args, key=key, needed=bool(settings.username))
    options = CheckOptions(
        timeout=timeout_from(args),
        ca_file=ca_file_from(args),
        resolver=resolver_from(args),
        send_to=send_to,
        mail_from=mail_from,
    )
    result = asyncio.run(run_check(settings, password=password, options=options))
    if args.json:
        print_json(result.to_dict())
    else:
        print_human(result)
    return EXIT_OK if result.ok else EXIT_FAILED


def print_human(result: CheckResult, out: TextIO | None = None) -> None:
    stream = out or sys.stdout
    fancy = supports_unicode()
    marks = {
        StepStatus.OK: "✓" if fancy else "ok",
        StepStatus.FAILED: "✗" if fancy else "!!",
        StepStatus.SKIPPED: "·" if fancy else "--",
        StepStatus.PENDING: "·" if fancy else "--",
        StepStatus.RUNNING: "…" if fancy else "..",
    }
    s = result.settings

    def write(text: str = "") -> None:
        print(text, file=stream)

    write(f"Checking {s.host} port {s.port} ({SECURITY_WORDS[s.security.value]})")
    for step in result.steps:
        if step.status is StepStatus.SKIPPED:
            write(f"  {marks[step.status]} {step.label} (not reached)")
            continue
        took = f"{step.duration:5.2f} s" if step.duration is not None else "       "
        line = f"  {marks[step.status]} {step.label:<50} {took}"
        write(line.rstrip())
        if step.detail:
            write(textwrap.indent(textwrap.fill(step.detail, 88), "      "))
    d = result.diagnosis
    write()
    write(f"{marks[StepStatus.OK] if d.ok else marks[StepStatus.FAILED]} {d.title}")
    for paragraph in (d.explanation, "What to do: " + d.fix):
        write(textwrap.indent(textwrap.fill(paragraph, 92), "  "))
    if d.suggestion:
        write(
            textwrap.indent(
                textwrap.fill(_suggestion_text(d.suggestion, d.needs_consent), 92), "  "
            )
        )
    if result.certificate_seen:
        cert = result.certificate_seen
        write("  Certificate shown by the server:")
        write(f"    issued to {cert['subject']} by {cert['issuer']}")
        write(f"    names: {', '.join(cert['san_names']) or '(none)'}")
        write(f"    valid until {cert['not_after'][:10]}")
        write(f"    SHA-256 fingerprint: {cert['fingerprint_sha256']}")
    write(f"  (took {result.duration:.2f} s; add --json for the full report with the transcript)")


def _suggestion_text(suggestion: dict[str, object], needs_consent: bool) -> str:
    flags = []
    for key, value in suggestion.items():
        if key == "trusted_fingerprint":
            flags.append(f"--trust-fingerprint {value}")
        else:
            flags.append(f"--{key} {value}")
    prefix = "Only if you are sure, run" if needs_consent else "Suggested: run again with"
    return f"{prefix} {' '.join(flags)}"
