"""`smtpwizard deliverability DOMAIN`: will mail from this domain arrive, and what to fix in DNS.

Exit status: 0 the domain has everything big receivers ask for (verdict "good"), 1 something is
missing or wrong (verdict "at_risk" or "blocked"; the fixes say what to do), 2 bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING

from .common import (
    EXIT_FAILED,
    EXIT_OK,
    add_network_options,
    ca_file_from,
    print_json,
    resolver_from,
    supports_unicode,
    timeout_from,
)

if TYPE_CHECKING:
    from ..core.deliverability import DeliverabilityReport

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
    report = asyncio.run(check_deliverability(args.domain, options))
    if args.json:
        print_json(report.to_json())
    else:
        _print_report(report, print)
    return EXIT_OK if report.verdict is Verdict.GOOD else EXIT_FAILED


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
