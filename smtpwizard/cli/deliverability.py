"""`smtpwizard deliverability DOMAIN`: will mail from this domain arrive, and what to fix in DNS.

Exit status: 0 the domain has everything big receivers ask for (verdict "good"), 1 something is
missing or wrong (verdict "at_risk" or "blocked"; the fixes say what to do), 2 bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..core.servertext import printable
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

if TYPE_CHECKING:
    from ..core.deliverability import DeliverabilityReport
    from ..core.settings import IncomingServer

DEFAULT_TIMEOUT = 20.0


def add_parsers(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "deliverability",
        help="check a domain's SPF, DKIM, DMARC and more, and say exactly what to add to DNS",
        description="Will mail from this domain reach the inbox? Checks SPF (evaluated for your "
        "SMTP server), DKIM keys, DMARC, the server's reverse DNS, MX, MTA-STS and TLS "
        "reporting, and writes the DNS record to add or change for each problem.",
    )
    parser.add_argument("domain", metavar="DOMAIN", help="the domain you send from (or an address)")
    parser.add_argument(
        "--smtp-host",
        metavar="HOST",
        help="the SMTP server your mail leaves through (SPF is evaluated for its addresses, "
        "and its reverse DNS checked)",
    )
    parser.add_argument(
        "--selector",
        action="append",
        default=[],
        metavar="NAME",
        help="a DKIM selector to look for (as in NAME._domainkey.DOMAIN); may be repeated",
    )
    add_network_options(parser, resolve=False)
    back = parser.add_argument_group(
        "the receiver's verdict",
        "read a test message back from its mailbox and show what the receiving server "
        "concluded (its Authentication-Results); the message id is the one 'smtpwizard check "
        "--send-to ADDRESS --json' reports",
    )
    back.add_argument("--read-back", metavar="MESSAGE-ID", help="the test message's Message-ID")
    back.add_argument(
        "--imap",
        metavar="HOST[:PORT]",
        help="the mailbox's IMAP server (port 993, TLS, unless given; 143 means STARTTLS)",
    )
    back.add_argument("--user", help="the mailbox's username (the same account as for sending)")
    back.add_argument(
        "--delete-test-message", action="store_true", help="delete the message once read"
    )
    back.add_argument(
        "--wait", type=float, default=60.0, metavar="S", help="how long to wait for it (60)"
    )
    add_password_options(parser)  # the mailbox's password: the same as for sending
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run_deliverability_command)


def run_deliverability_command(args: argparse.Namespace) -> int:
    from ..core.deliverability import DeliverabilityOptions, Verdict, check_deliverability

    resolver = resolver_from(args)
    options = DeliverabilityOptions(
        smtp_host=args.smtp_host,
        selectors=tuple(args.selector),
        dns_server=resolver.dns_server,
        ca_file=ca_file_from(args),
        timeout=timeout_from(args, DEFAULT_TIMEOUT),
    )
    mailbox = _mailbox_from(args)
    password = password_from(args, key=None, needed=True) if mailbox else None
    report = asyncio.run(check_deliverability(args.domain, options))
    receiver: dict[str, Any] | None = None
    if mailbox is not None and password is not None:
        receiver = asyncio.run(_read_back(args, mailbox, password, options.ca_file))
    if args.json:
        print_json({**report.to_json(), **({"receiver": receiver} if receiver else {})})
    else:
        _print_report(report, print)
        if receiver is not None:
            _print_receiver(receiver, print)
    failed = receiver is not None and receiver.get("error")
    return EXIT_OK if report.verdict is Verdict.GOOD and not failed else EXIT_FAILED


def _mailbox_from(args: argparse.Namespace) -> IncomingServer | None:
    from ..core.inputs import parse_host
    from ..core.settings import IncomingProtocol, IncomingServer, Security

    if args.read_back is None:
        if args.imap or args.user or args.delete_test_message:
            fail_usage("--imap, --user and --delete-test-message go with --read-back MESSAGE-ID.")
        return None
    if not args.imap or not args.user:
        fail_usage("--read-back needs the mailbox: --imap HOST[:PORT] and --user NAME.")
    if not 1 <= args.wait <= 600:
        fail_usage("--wait must be between 1 and 600 seconds.")
    host = parse_host(args.imap, "imap")
    port = host.port or 993
    security = Security.STARTTLS if port == 143 else Security.TLS
    return IncomingServer(IncomingProtocol.IMAP, host.host, port, security, args.user)


async def _read_back(
    args: argparse.Namespace, mailbox: IncomingServer, password: str, ca_file: str | None
) -> dict[str, Any]:
    from ..core.deliverability import MailboxError, fetch_message, read_verdict

    try:
        fetched = await fetch_message(
            mailbox,
            args.user,
            password,
            args.read_back.strip(),
            timeout=args.wait,
            ca_file=ca_file,
            delete=args.delete_test_message,
        )
    except MailboxError as exc:
        return {"error": str(exc)}
    verdict = read_verdict(fetched.header)
    return {
        "folder": printable(fetched.folder),
        "in_junk": fetched.in_junk,
        "deleted": fetched.deleted,
        "verdict": verdict.to_json(),
        "explanation": [verdict.explain(m) for m in ("spf", "dkim", "dmarc")],
    }


def _print_receiver(receiver: dict[str, Any], write: Write) -> None:
    write("")
    if receiver.get("error"):
        write(textwrap.fill(f"The test message could not be read back: {receiver['error']}", 92))
        return
    where = "the junk folder" if receiver["in_junk"] else "the inbox"
    write(f"What the receiving server concluded (the message is in {where}):")
    write(f"  {receiver['verdict']['summary']}")
    for line in receiver["explanation"]:
        write(textwrap.fill(line, 92, initial_indent="  ", subsequent_indent="    "))
    if receiver["deleted"]:
        write("  The test message was deleted.")


Write = Callable[[str], None]


def _print_report(report: DeliverabilityReport, write: Write) -> None:
    from ..core.deliverability import Status, Verdict

    fancy = supports_unicode()
    marks = {
        Status.PASS: "✓" if fancy else "ok",
        Status.WARN: "!",
        Status.FAIL: "✗" if fancy else "!!",
        Status.MISSING: "—" if fancy else "-",
    }
    server = f" sending through {report.smtp_host}" if report.smtp_host else ""
    write(f"Deliverability of mail from {report.domain}{server}")
    if report.provider:
        write(f"Mail provider: {report.provider}")
    write("")
    for check in report.checks:
        optional = " (optional)" if check.optional else ""
        write(f"{marks[check.status]} {check.title}: {check.status.value}{optional}")
        write(textwrap.fill(check.explanation, 92, initial_indent="    ", subsequent_indent="    "))
        if check.record:
            write("    Published now:")
            for line in check.record.splitlines():
                write(f"      {line}")
        fix = check.fix
        if fix is not None:
            for n, line in enumerate(fix.summary.splitlines()):
                prefix = "    Fix: " if n == 0 else "      "
                write(textwrap.fill(line, 92, initial_indent=prefix, subsequent_indent="      "))
            if fix.value:
                write(f"      Type: {fix.record_type}   Name: {fix.name}")
                write(f"      Value: {fix.value}")
            if fix.where:
                write(
                    textwrap.fill(
                        fix.where, 92, initial_indent="      Where: ", subsequent_indent="      "
                    )
                )
            if fix.spread:
                write(f"      Takes effect: {fix.spread}")
        write("")
    label = {Verdict.GOOD: "GOOD", Verdict.AT_RISK: "AT RISK", Verdict.BLOCKED: "BLOCKED"}
    write(textwrap.fill(f"Verdict: {label[report.verdict]}. {report.summary}", 92))
