"""`smtpwizard check`: one live test of a server, told as steps and a plain diagnosis."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import textwrap
from pathlib import Path
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
        "--preset",
        metavar="FILE|URL",
        help="use a support desk's preset (a TOML/JSON file or an https:// URL) with --email",
    )
    parser.add_argument(
        "--email",
        metavar="ADDRESS",
        help="the email address being set up (fills the preset's username; named in reports)",
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
        "--auth",
        choices=("password", "oauth2"),
        default=None,
        help="sign in with the password (default) or with OAuth2, using the sign-in kept by "
        "'smtpwizard oauth login' for --user",
    )
    parser.add_argument(
        "--oauth-token-env",
        metavar="VAR",
        help="sign in with OAuth2 using the access token in this environment variable "
        "(obtained elsewhere)",
    )
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
    parser.add_argument(
        "--report",
        metavar="FILE",
        type=Path,
        help="also save a report for a support desk: FILE.html (one self-contained page) "
        "and FILE.json; the server's ports are probed and discovery runs for it",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run_check_command)


def settings_from_args(args: argparse.Namespace) -> ServerSettings:
    if getattr(args, "preset", None) is not None:  # export shares this, without --preset
        return _settings_from_preset(args)
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


def _settings_from_preset(args: argparse.Namespace) -> ServerSettings:
    from ..core.desk.preset_source import read_preset

    if args.profile is not None:
        fail_usage("Give either --preset or --profile, not both.")
    email = args.email or (args.user if args.user and "@" in args.user else None)
    if email is None:
        fail_usage("With --preset, give the address being set up with --email.")
    preset = asyncio.run(
        read_preset(args.preset, resolver=resolver_from(args), ca_file=ca_file_from(args))
    )
    args.preset_used = preset
    return preset.settings_for(
        email,
        host=parse_host(args.host).host if args.host else None,
        port=parse_port(args.port) if args.port else None,
        security=args.security,
        username=parse_username(args.user) if args.user else None,
    )


def _settings_from_profile(args: argparse.Namespace) -> ServerSettings:
    from ..core.profiles import load_profile

    if args.host is not None:
        fail_usage("Give either --profile or --host, not both.")
    profile = load_profile(args.profile)
    settings = profile.server
    if args.auth is None and not args.oauth_token_env and profile.oauth2:
        args.auth = "oauth2"  # the wizard signed in with OAuth2: the kept sign-in is used
    changes: dict[str, object] = {}
    if args.port is not None:
        changes["port"] = parse_port(args.port)
    if args.security is not None:
        changes["security"] = args.security
    if args.user is not None:
        changes["username"] = parse_username(args.user) or None
    if args.trust_fingerprint:
        changes["trusted_fingerprint"] = parse_fingerprint(args.trust_fingerprint)
    oauth2 = args.auth == "oauth2" or bool(args.oauth_token_env)
    if not (args.password_env or args.password_stdin or oauth2) and settings.username:
        args.keyring = True  # what the wizard saved
    return settings.with_changes(**changes) if changes else settings


def run_check_command(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    if args.report is not None and not args.report.parent.resolve().is_dir():
        fail_usage(f"--report {args.report}: the folder {args.report.parent} does not exist.")
    send_to = parse_email(args.send_to, "send_to") if args.send_to else None
    mail_from = parse_email(args.mail_from, "from") if args.mail_from else None
    try:
        access_token = _access_token(args, settings)
    except OAuthSignInFailed as exc:
        return _report_sign_in_failure(exc.failure, settings, args.json)
    password = None
    if access_token is None:
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
    result = asyncio.run(
        run_check(settings, password=password, options=options, access_token=access_token)
    )
    if args.report is not None:
        from .check_report import save_check_report

        preset = getattr(args, "preset_used", None)
        username = settings.username or ""
        email = args.email or (username if "@" in username else None)
        save_check_report(
            args.report,
            result,
            email=parse_email(email) if email else None,
            preset=preset.contact if preset else None,
            password=password or access_token,  # neither may appear in the report
            timeout=options.timeout,
            ca_file=options.ca_file,
            resolver=options.resolver,
        )
    preset = getattr(args, "preset_used", None)
    if args.json:
        data = result.to_dict()
        data["preset"] = preset.contact.to_dict() if preset else None
        print_json(data)
    else:
        if preset is not None:
            print(f"Settings from {preset.origin} ({preset.organisation})")
        print_human(result)
    return EXIT_OK if result.ok else EXIT_FAILED


def _access_token(args: argparse.Namespace, settings: ServerSettings) -> str | None:
    """The OAuth2 access token to sign in with, or None to use a password."""
    if args.oauth_token_env:
        if args.auth == "password":
            fail_usage("--oauth-token-env signs in with OAuth2; leave out --auth password.")
        token = os.environ.get(args.oauth_token_env, "").strip()
        if not token:
            fail_usage(f"The environment variable {args.oauth_token_env} is not set or empty.")
    elif args.auth != "oauth2":
        return None
    if not settings.username:
        fail_usage("OAuth2 needs the address you sign in with: give --user.")
    if args.password_env or args.password_stdin:  # (--profile turns --keyring on by itself)
        fail_usage("OAuth2 signs in with a token, not a password: leave out the password option.")
    if args.oauth_token_env:
        return token
    from ..core.oauth import OAuthFailure, fresh_access_token

    try:
        fresh, _ = asyncio.run(fresh_access_token(settings.username))
    except OAuthFailure as failure:
        failure.username = settings.username
        raise OAuthSignInFailed(failure) from failure
    return fresh


def _report_sign_in_failure(failure: Any, settings: ServerSettings, as_json: bool) -> int:
    """No token to test with: said as the check's own diagnosis at the sign-in step."""
    diagnosis = {**failure.to_dict(), "step": "auth", "suggestion": None, "needs_consent": False}
    if as_json:
        print_json({"ok": False, "settings": settings.to_dict(), "diagnosis": diagnosis})
    else:
        mark = "✗" if supports_unicode() else "!!"
        print(f"{mark} {failure.title}")
        for paragraph in (failure.explanation, "What to do: " + failure.fix):
            print(textwrap.indent(textwrap.fill(paragraph, 92), "  "))
    return EXIT_FAILED


class OAuthSignInFailed(Exception):
    """The kept OAuth2 sign-in gave no token; the handler reports it like a check failure."""

    def __init__(self, failure: Any) -> None:
        super().__init__(failure.code)
        self.failure = failure


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
    if d.warning:
        # A fix that gives something up: the warning first. Another organisation's server
        # gets no command to paste; a permission for this server names its flag.
        write(textwrap.indent(textwrap.fill("Warning: " + d.warning, 92), "  "))
        if d.suggestion and d.suggestion.get("allow_insecure_auth"):
            write("  Only if you accept that, run again with --allow-insecure-auth.")
    elif d.suggestion:
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
