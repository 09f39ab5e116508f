"""`smtpwizard discover EMAIL` and `smtpwizard probe HOST`: find the server and the ports that work.

Exit status: 0 something is recommended, 1 nothing works (or nothing was found), 2 bad input,
3 (discover only) settings were found but could not be tested (offline, or no port answered).
"""

from __future__ import annotations

import argparse
import asyncio
import textwrap
from collections.abc import Callable
from dataclasses import replace

from ..core.diagnosis import Diagnosis
from ..core.discovery import DiscoveryOptions, SourceStatus
from ..core.inputs import parse_email, parse_host, parse_port
from ..core.organisations import stranger_host
from ..core.probe import (
    PortReport,
    PortStatus,
    ProbeOptions,
    ProbeResult,
    ServerSearch,
    find_server,
    probe_host,
)
from ..core.settings import RECOMMENDED_PORTS, Security, default_security_for_port
from .commands import COMMANDS
from .common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_UNTESTED,
    add_network_options,
    ca_file_from,
    fail_usage,
    print_json,
    resolver_from,
    supports_unicode,
)

DEFAULT_PROBE_TIMEOUT = 8.0  # one attempt
DEFAULT_TOTAL_TIMEOUT = 15.0  # the whole probe
DEFAULT_DISCOVERY_TIMEOUT = 8.0


def add_parsers(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    probe = subparsers.add_parser(
        "probe",
        help=COMMANDS["probe"].help,
        description="Try ports 587, 465, 2525 and 25 of a server at once: a real TLS handshake "
        "with full certificate checks, no password sent. Recommends the best one that works.",
    )
    probe.add_argument("host", metavar="HOST", help="the server name, e.g. smtp.example.com")
    probe.add_argument(
        "--ports",
        default=None,
        metavar="LIST",
        help="ports in order of preference, comma-separated (default 587,465,2525,25); "
        "PORT/tls or PORT/starttls sets the encryption to try first",
    )
    probe.add_argument(
        "--wait-all",
        action="store_true",
        help="wait for every port instead of answering as soon as the best one is certain",
    )
    add_network_options(probe)
    _set_help(probe, "timeout", "overall time limit in seconds (default 15; 8 per attempt)")
    probe.add_argument("--json", action="store_true", help="print one JSON object")
    probe.set_defaults(handler=run_probe_command)

    discover = subparsers.add_parser(
        "discover",
        help=COMMANDS["discover"].help,
        description="Look up the outgoing (SMTP) server for an email address from every source "
        "at once (our provider list, your provider's autoconfig, Thunderbird's database, DNS), "
        "then test the candidates' ports. No password is sent.",
    )
    discover.add_argument("email", metavar="EMAIL", help="your email address")
    discover.add_argument(
        "--ispdb-url", metavar="URL", help="base URL of the ISPDB (default Thunderbird's)"
    )
    discover.add_argument(
        "--no-probe", action="store_true", help="only look up the settings; do not connect"
    )
    add_network_options(discover)
    _set_help(
        discover,
        "timeout",
        "time limit in seconds for each phase, looking up then testing (default 8 and 15)",
    )
    discover.add_argument("--json", action="store_true", help="print one JSON object")
    discover.set_defaults(handler=run_discover_command)


def _set_help(parser: argparse.ArgumentParser, dest: str, text: str) -> None:
    for action in parser._actions:
        if action.dest == dest:
            action.help = text


def parse_ports(text: str | None) -> tuple[tuple[int, Security], ...]:
    if text is None:
        return RECOMMENDED_PORTS
    ports: list[tuple[int, Security]] = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        number, _, mode = item.partition("/")
        port = parse_port(number.strip(), "ports")
        if mode:
            try:
                security = Security(mode.strip().lower())
            except ValueError:
                security = Security.NONE
            if security is Security.NONE:
                fail_usage(f"--ports: {item!r}: the encryption after / is tls or starttls.")
        else:
            security = default_security_for_port(port)
        if any(port == known for known, _ in ports):
            fail_usage(f"--ports lists {port} twice.")
        ports.append((port, security))
    if not ports:
        fail_usage("--ports is empty: give ports like 587,465,2525,25.")
    return tuple(ports)


def _timeouts(args: argparse.Namespace, total: float) -> tuple[float, float]:
    """(per attempt, overall) for probing."""
    if args.timeout is None:
        return DEFAULT_PROBE_TIMEOUT, total
    if not 0.5 <= args.timeout <= 600:
        fail_usage("--timeout must be between 0.5 and 600 seconds.")
    return min(DEFAULT_PROBE_TIMEOUT, float(args.timeout)), float(args.timeout)


def run_probe_command(args: argparse.Namespace) -> int:
    parsed = parse_host(args.host)
    ports = parse_ports(args.ports)
    if args.ports is None and parsed.port is not None:
        ports = ((parsed.port, parsed.security or default_security_for_port(parsed.port)),)
    per_attempt, overall = _timeouts(args, DEFAULT_TOTAL_TIMEOUT)
    options = ProbeOptions(
        ports=ports,
        probe_timeout=per_attempt,
        timeout=overall,
        wait_all=bool(args.wait_all),
        ca_file=ca_file_from(args),
        resolver=resolver_from(args),
    )
    result = asyncio.run(probe_host(parsed.host, options=options))
    if args.json:
        print_json(result.to_dict())
    else:
        _print_probe(result, print, header=f"Testing {parsed.host}: ports " + _port_list(ports))
    return EXIT_OK if result.recommended else EXIT_FAILED


def run_discover_command(args: argparse.Namespace) -> int:
    email = parse_email(args.email)
    resolver = resolver_from(args)
    ca_file = ca_file_from(args)
    discovery = DiscoveryOptions(
        dns_server=resolver.dns_server,
        resolve=resolver.overrides,
        ca_file=ca_file,
        timeout=_timeouts(args, DEFAULT_DISCOVERY_TIMEOUT)[1],
    )
    if args.ispdb_url:
        discovery = replace(discovery, ispdb_url=args.ispdb_url)
    per_attempt, overall = _timeouts(args, DEFAULT_TOTAL_TIMEOUT)
    probe = ProbeOptions(
        probe_timeout=per_attempt, timeout=overall, ca_file=ca_file, resolver=resolver
    )
    search = asyncio.run(
        find_server(email, discovery=discovery, probe=probe, probing=not args.no_probe)
    )
    if args.json:
        print_json(search.to_dict())
    else:
        _print_search(search, print)
    if search.recommended:
        return EXIT_OK
    return EXIT_UNTESTED if search.untested else EXIT_FAILED


# -- human output ------------------------------------------------------------------------------

Write = Callable[[str], None]


def _marks() -> dict[str, str]:
    if supports_unicode():
        return {"ok": "✓", "bad": "✗", "wait": "…", "warn": "!", "dot": "·", "dash": "—"}
    return {"ok": "ok", "bad": "!!", "wait": "..", "warn": "!", "dot": "-", "dash": "-"}


def _port_list(ports: tuple[tuple[int, Security], ...]) -> str:
    return ", ".join(str(port) for port, _ in ports)


def _mode(security: Security | None) -> str:
    return {Security.STARTTLS: "STARTTLS", Security.TLS: "SSL/TLS"}.get(
        security or Security.NONE, "without encryption"
    )


def _with_mode(security: Security | None) -> str:
    """ "with STARTTLS", "with SSL/TLS", or "without encryption" (never "with without")."""
    mode = _mode(security)
    return mode if mode.startswith("without") else f"with {mode}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def port_line(report: PortReport, recommended: bool, *, with_host: bool = False) -> str:
    m = _marks()
    where = f"{report.host} {report.port}" if with_host else str(report.port)
    if report.status is PortStatus.WORKING:
        ms = f" ({report.latency * 1000:.0f} ms)" if report.latency is not None else ""
        tail = f" {m['dash']} recommended" if recommended else ""
        other = "" if report.security is report.preferred else " (not the usual encryption here)"
        return f"{m['ok']} {where} {_mode(report.security)} works{ms}{other}{tail}"
    if report.status is PortStatus.PENDING and report.probing:
        return f"{m['wait']} {where} still waiting (pending)"
    if report.status is PortStatus.PENDING:
        return f"{m['dot']} {where} not tried: a better port answered first (pending)"
    if report.status is PortStatus.PLAINTEXT_ONLY:
        return (
            f"{m['warn']} {where}: answers only without encryption (plaintext only) "
            f"{m['dash']} not safe for a password"
        )
    title = report.diagnosis.title if report.diagnosis else "did not work"
    return f"{m['bad']} {where}: {_lower_first(title)}"


def _detail_lines(report: PortReport) -> list[str]:
    d = report.diagnosis
    if report.status is not PortStatus.FAILED or d is None or not d.code.startswith("cert_"):
        return []
    lines = [d.explanation, "What to do: " + d.fix]
    if d.warning:
        lines.append("Warning: " + d.warning)
    cert = report.certificate
    if cert:
        names = ", ".join(cert.get("san_names") or []) or "(none)"
        lines.append(f"Certificate names: {names}; SHA-256 {cert.get('fingerprint_sha256')}")
    return lines


def _print_probe(
    result: ProbeResult, write: Write, *, header: str, with_host: bool = False
) -> None:
    write(header)
    best = result.recommended.report if result.recommended else None
    problem = result.host_problem()
    for report in result.reports:
        if problem is not None:  # said once below, not once per port
            write(f"  {_marks()['bad']} {report.port}: not tested")
            continue
        write("  " + port_line(report, report is best, with_host=with_host))
        for line in _detail_lines(report):
            write(textwrap.indent(textwrap.fill(line, 88), "      "))
    if result.recommended is not None:
        r = result.recommended
        write(f"Recommended: {r.host} port {r.port} {_with_mode(r.security)}.")
    elif (problem := result.host_problem()) is not None:
        write(textwrap.fill(f"{problem.title}: {problem.explanation}", 92))
    elif (receiving := _receiving(result)) is not None:
        write(textwrap.fill(f"{receiving.title}. {receiving.fix}", 92))
    else:
        write("Nothing works: no port answered with a verified, encrypted connection.")
    if result.pending:
        write("(Answered without waiting for the ports still pending; --wait-all waits.)")
    write(f"(took {result.elapsed:.2f} s)")


def _receiving(result: ProbeResult) -> Diagnosis | None:
    for report in result.reports:
        if report.diagnosis and report.diagnosis.code == "not_a_submission_server":
            return report.diagnosis
    return None


def _print_search(search: ServerSearch, write: Write) -> None:
    m = _marks()
    d = search.discovery
    write(f"Looking for the outgoing server of {d.email}")
    if d.provider is not None:
        write(f"Provider: {d.provider.name}")
    write("Sources:")
    marks = {
        SourceStatus.FOUND: m["ok"],
        SourceStatus.NOTHING: m["dot"],
        SourceStatus.FAILED: m["bad"],
        SourceStatus.SKIPPED: m["dot"],
        SourceStatus.PENDING: m["wait"],
    }
    for source in d.sources:
        write(f"  {marks[source.status]} {source.kind.label}: {source.reason}")
    if d.candidates:
        write("Candidates, best first:")
    for number, c in enumerate(d.candidates, 1):
        where = f"{c.host}:{c.port} {_mode(c.security)}" if c.port else f"{c.host} (ports tested)"
        trust = "trusted" if c.trusted else "please confirm"
        write(f"  {number}. {where} {m['dash']} {c.source.label} ({trust})")
    for note in d.notes:
        write(textwrap.fill(note, 92, initial_indent="Note: ", subsequent_indent="      "))
    if not d.candidates:
        write(d.summary())
    if search.probe is not None:
        _print_probe(search.probe, write, header="Testing:", with_host=True)
    r = search.recommended
    if r is not None:
        check = "verified" if r.verified else "not tested (--no-probe)"
        confirm = "" if r.trusted else "; please confirm it, the source cannot be verified"
        user = f"username {r.username}" if r.username else "no sign-in"
        write(
            f"Use: {r.host} port {r.port} {_with_mode(r.security)}, {user} "
            f"({r.source.label}, {check}{confirm})."
        )
        stranger = None if r.trusted else stranger_host(r.host, email=d.email)
        if stranger is not None:
            # Settings from DNS or a guess in another organisation's domain: say what is at stake.
            write(textwrap.fill("Warning: " + stranger.warning(), 92))
    elif (u := search.untested) is not None:
        user = f", username {u.username}" if u.username else ""
        write(
            textwrap.fill(
                f"Found but not tested: {u.host} port {u.port} {_with_mode(u.security)}{user} "
                f"({u.source.label}). It could not be tested: "
                f"{_lower_first(search.untested_reason())}."
                " Test it again when the connection works (smtpwizard check).",
                92,
            )
        )
