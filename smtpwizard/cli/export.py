"""`smtpwizard export`: write checked settings in the form a mail program, website, framework or
tool reads. Exit status 2 for anything the user can fix (unknown format, missing incoming
server, unwritable path, bad input); the message says what to do."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import textwrap

from ..core.errors import InputError, SmtpWizardError
from ..core.exporters import (
    FORMATS,
    ExportError,
    ExportResult,
    IncomingServerMissing,
    PasswordNotSupported,
    get_format,
    render_export,
    write_export,
)
from ..core.inputs import parse_display_name, parse_email, parse_host, parse_port, parse_username
from ..core.settings import Account, IncomingProtocol, IncomingServer, Security, ServerSettings
from .commands import COMMANDS
from .common import (
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    add_password_options,
    fail_usage,
    password_from,
    print_json,
)

__all__ = ["add_parsers", "run_export"]

_INCOMING_PORTS = {
    (IncomingProtocol.IMAP, Security.TLS): 993,
    (IncomingProtocol.IMAP, Security.STARTTLS): 143,
    (IncomingProtocol.IMAP, Security.NONE): 143,
    (IncomingProtocol.POP3, Security.TLS): 995,
    (IncomingProtocol.POP3, Security.STARTTLS): 110,
    (IncomingProtocol.POP3, Security.NONE): 110,
}
_PROTOCOL_BY_PORT = {993: IncomingProtocol.IMAP, 143: IncomingProtocol.IMAP}
_PROTOCOL_BY_PORT |= {995: IncomingProtocol.POP3, 110: IncomingProtocol.POP3}


def add_parsers(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "export",
        help=COMMANDS["export"].help,
        description="Write checked SMTP settings in the form another program reads: "
        "Thunderbird, Outlook, Apple Mail, WordPress plugins, Laravel, Django, Nodemailer, "
        "msmtp, Postfix, a printable settings card and more. See --list.",
        epilog="Passwords are left out unless --include-password is given (the file is then "
        "created readable by you only); formats have safer ways, such as the system keychain "
        "or an environment variable.",
    )
    what = parser.add_argument_group("what to write")
    what.add_argument("--list", action="store_true", help="list the formats and exit")
    what.add_argument("--json", action="store_true", help="with --list: print JSON")
    what.add_argument("--format", metavar="ID", help="the format to write (see --list)")
    what.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    what.add_argument(
        "--checked-on",
        metavar="YYYY-MM-DD",
        help="date shown as 'checked' (default: the profile's last passing check, else none)",
    )
    source = parser.add_argument_group("settings (a saved profile, or given here)")
    source.add_argument("--profile", metavar="NAME", help="use settings saved by the wizard")
    source.add_argument("--host", help="outgoing (SMTP) server name")
    source.add_argument("--port", help="outgoing port (587, 465, ...)")
    source.add_argument("--security", choices=[s.value for s in Security], help="encryption")
    source.add_argument("--user", help="username for signing in (usually the email address)")
    source.add_argument("--email", help="the email address that sends")
    source.add_argument("--name", help='the name people see, e.g. "Anna Müller"')
    source.add_argument(
        "--thunderbird-profile",
        metavar="DIR",
        help="thunderbird-userjs: the profile folder whose outgoing servers to keep (read only; "
        "default: Thunderbird's default profile on this computer, if any)",
    )
    source.add_argument(
        "--thunderbird-identity",
        metavar="ID_OR_ADDRESS",
        help="thunderbird-userjs: also switch this identity (id1, or its address) to the new "
        "server; without it no identity is changed",
    )
    source.add_argument(
        "--auth",
        choices=("password", "oauth2"),
        default=None,
        help="oauth2: sign in with Microsoft/Google/OpenID (Thunderbird and msmtp can); "
        "default: what the profile records, else password",
    )
    source.add_argument("--trust-fingerprint", metavar="SHA256", help=argparse.SUPPRESS)
    source.add_argument("--allow-insecure-auth", action="store_true", help=argparse.SUPPRESS)
    incoming = parser.add_argument_group(
        "incoming server (Thunderbird, Outlook and Apple formats need it)"
    )
    incoming.add_argument("--incoming-protocol", choices=[p.value for p in IncomingProtocol])
    incoming.add_argument("--incoming-host", metavar="HOST")
    incoming.add_argument("--incoming-port", metavar="PORT")
    incoming.add_argument("--incoming-security", choices=[s.value for s in Security])
    incoming.add_argument("--incoming-user", metavar="USER")
    secret = parser.add_argument_group("password (only written with --include-password)")
    secret.add_argument(
        "--include-password",
        action="store_true",
        help="write the password into the file (it is created with mode 0600)",
    )
    add_password_options(secret)  # type: ignore[arg-type]
    parser.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    try:
        if args.list:
            return _list_formats(args.json)
        if not args.format:
            fail_usage("Choose a format with --format ID (see smtpwizard export --list).")
        result = _render(args)
        return _write(result, args.output)
    except (UsageError, InputError, ExportError) as exc:
        message = exc.message if isinstance(exc, InputError | ExportError) else str(exc)
        if isinstance(exc, IncomingServerMissing):
            message += (
                " Give it with --incoming-host HOST (and --incoming-protocol imap|pop3, "
                "--incoming-port, --incoming-security when they differ from IMAP on 993)."
            )
        print(f"smtpwizard: {message}", file=sys.stderr)
        return EXIT_USAGE
    except SmtpWizardError as exc:  # a profile or keychain problem the user can act on
        print(f"smtpwizard: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return EXIT_USAGE


def _list_formats(as_json: bool) -> int:
    if as_json:
        print_json(
            [
                {
                    "id": fmt.id,
                    "title": fmt.title,
                    "audience": fmt.audience.value,
                    "where": fmt.where.value,
                    "for_version": fmt.for_version,
                    "can_carry_password": fmt.can_carry_password,
                    "needs_incoming": fmt.needs_incoming,
                    "binary": fmt.binary,
                }
                for fmt in FORMATS
            ]
        )
        return EXIT_OK
    width = max(len(fmt.id) for fmt in FORMATS)
    print(f"{'ID':<{width}}  {'FOR':<13}  {'PASSWORD':<8}  TITLE")
    for fmt in FORMATS:
        password = "can" if fmt.can_carry_password else "never"
        print(f"{fmt.id:<{width}}  {fmt.audience.value:<13}  {password:<8}  {fmt.title}")
    return EXIT_OK


def _render(args: argparse.Namespace) -> ExportResult:
    settings, account, checked_on = _settings_and_account(args)
    account = _with_incoming(args, account, settings)
    if args.checked_on:
        try:
            checked_on = dt.date.fromisoformat(args.checked_on)
        except ValueError:
            fail_usage(f"--checked-on takes a date like 2026-11-01, not {args.checked_on!r}.")
    password = None
    given = args.password_env or args.password_stdin or args.keyring
    fmt = get_format(args.format)  # an unknown format or one without passwords: say so first
    if args.include_password and not fmt.can_carry_password:
        raise PasswordNotSupported(f"{fmt.title} cannot carry a password. {fmt.sign_in_note}")
    if args.include_password:
        key = None
        if settings.username:
            from ..core.credentials import credential_key

            key = credential_key(settings)
        password = password_from(args, key=key, needed=bool(settings.username))
    elif given:
        fail_usage("A password source was given without --include-password; nothing to do.")
    profile = args.thunderbird_profile
    if profile is None and args.format == "thunderbird-userjs":
        from ..core.exporters.thunderbird_prefs import default_profile

        profile = default_profile()
    return render_export(
        args.format,
        settings,
        account,
        include_password=args.include_password,
        password=password,
        checked_on=checked_on,
        thunderbird_profile=profile,
        thunderbird_identity=args.thunderbird_identity,
        oauth2=args.auth == "oauth2",
    )


def _settings_and_account(
    args: argparse.Namespace,
) -> tuple[ServerSettings, Account, dt.date | None]:
    if args.profile:
        if args.host or args.email or args.port or args.user:
            fail_usage("Use either --profile or --host/--port/--user/--email, not both.")
        from ..core.profiles import load_profile

        profile = load_profile(args.profile)
        if args.auth is None and profile.oauth2:
            args.auth = "oauth2"  # the profile signs in with OAuth2: its exports do too
        # Only a recorded passing check counts: a file never claims a test that did not happen.
        checked = None
        last = profile.last_check
        if last is not None and last.ok:
            checked = dt.datetime.fromisoformat(last.when).date()
        account = profile.account
        if args.name is not None:
            account = Account(account.email, parse_display_name(args.name), account.incoming)
        return profile.server, account, checked
    if not args.host:
        fail_usage("Give --profile NAME, or the settings: --host, --port, --security, --email.")
    if not args.email:
        fail_usage("Please give the sending address with --email.")
    from .check import settings_from_args

    settings = settings_from_args(args)
    account = Account(
        email=parse_email(args.email),
        display_name=parse_display_name(args.name) if args.name else "",
    )
    return settings, account, None  # not tested here: --checked-on can say when it was


def _with_incoming(args: argparse.Namespace, account: Account, settings: ServerSettings) -> Account:
    given = (args.incoming_protocol, args.incoming_port, args.incoming_security, args.incoming_user)
    if not args.incoming_host:
        if any(value is not None for value in given):
            fail_usage("Please give the incoming server's name with --incoming-host.")
        return account
    parsed = parse_host(args.incoming_host, "incoming_host")
    port = parse_port(args.incoming_port, "incoming_port") if args.incoming_port else parsed.port
    protocol = IncomingProtocol(args.incoming_protocol) if args.incoming_protocol else None
    if protocol is None:
        protocol = _PROTOCOL_BY_PORT.get(port or 0, IncomingProtocol.IMAP)
    if args.incoming_security:
        security = Security(args.incoming_security)
    elif port in (143, 110):
        security = Security.STARTTLS
    else:
        security = Security.TLS
    if port is None:
        port = _INCOMING_PORTS[(protocol, security)]
    user = parse_username(args.incoming_user, "incoming_user") if args.incoming_user else None
    incoming = IncomingServer(protocol, parsed.host, port, security, user or settings.username)
    return Account(account.email, account.display_name, incoming)


def _write(result: ExportResult, output: str | None) -> int:
    if output is None:
        if result.format.binary:
            fail_usage(
                f"{result.format.title} is a binary file: write it with -o FILE "
                f"(for example -o {result.file_name})."
            )
        sys.stdout.flush()
        sys.stdout.buffer.write(result.data)
        sys.stdout.buffer.flush()
        return EXIT_OK
    path = write_export(result, output)
    note = " (readable by you only: it holds the password)" if result.contains_password else ""
    print(f"Wrote {path}{note}.")
    print(textwrap.fill(f"How to use it: {result.how_to_use}", 88))
    return EXIT_OK
