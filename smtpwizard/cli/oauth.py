"""`smtpwizard oauth login|logout|token|guide`: OAuth2 sign-in for mail, from the command line.

login   signs in (the system browser, or --device for a code to type on any device) and keeps
        the sign-in in the system keychain; logout forgets it (and revokes it where the
        provider allows); token prints a fresh access token, renewing it when needed, for
        msmtp's `passwordeval` and scripts; guide tells how to register your own client ID.
Exit status: 0 done, 1 the sign-in failed (a diagnosis), 2 bad usage or input.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import textwrap
from typing import TYPE_CHECKING, Any

from .commands import COMMANDS
from .common import EXIT_FAILED, EXIT_OK, fail_usage, print_json
from .oauth_discover import Refused, add_discovery_options, discovered_config

if TYPE_CHECKING:
    from ..core.oauth import DeviceCode, OAuthConfig, OAuthFailure

_CHOICES = ("microsoft", "google")


def add_parsers(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "oauth",
        help=COMMANDS["oauth"].help,
        description="Sign in with OAuth2 (Microsoft 365, Outlook.com, Gmail, Google Workspace "
        "or any OpenID provider). The sign-in is kept in the system keychain only.",
    )
    commands: Any = parser.add_subparsers(dest="oauth_command", metavar="ACTION", required=True)

    login = commands.add_parser("login", help="sign in and keep the sign-in in the keychain")
    login.add_argument(
        "--user", help="the email address you sign in with (default: the one of --email)"
    )
    where = login.add_mutually_exclusive_group(required=True)
    where.add_argument("--provider", choices=_CHOICES, help="a provider we know")
    where.add_argument("--issuer", metavar="URL", help="any OpenID provider (https:// only)")
    where.add_argument(
        "--email",
        metavar="ADDRESS",
        help="find the provider's sign-in for this address (ISPDB, autoconfig); its host is "
        "shown before the browser opens",
    )
    login.add_argument("--tenant", help="Microsoft: your organisation's tenant (default common)")
    login.add_argument(
        "--scope",
        action="append",
        default=[],
        help="with --issuer: a scope to ask for (repeat; offline_access is added)",
    )
    login.add_argument(
        "--client-id",
        help="your registered app's client ID (with --email: default the one used last time)",
    )
    login.add_argument(
        "--client-secret-env",
        metavar="VAR",
        help="read the app's client secret (Google desktop apps) from this variable",
    )
    login.add_argument(
        "--device",
        action="store_true",
        help="sign in on another device with a short code (Microsoft; not Google)",
    )
    login.add_argument(
        "--no-browser",
        action="store_true",
        help="do not open a browser; print the address to open instead",
    )
    login.add_argument("--ca-file", metavar="PEM", help="also trust these certificate authorities")
    login.add_argument("--timeout", type=float, default=600.0, metavar="S", help=argparse.SUPPRESS)
    login.add_argument("--json", action="store_true", help="print one JSON object")
    add_discovery_options(login)
    login.set_defaults(handler=run_login)

    logout = commands.add_parser("logout", help="forget the sign-in (and revoke it)")
    logout.add_argument("--user", required=True, help="the email address")
    logout.add_argument("--json", action="store_true", help="print one JSON object")
    logout.set_defaults(handler=run_logout)

    token = commands.add_parser(
        "token",
        help="print a fresh access token (for msmtp's passwordeval and scripts)",
        description="Print a valid access token on standard output, renewing it with the "
        "kept sign-in when needed. Nothing else is printed there.",
    )
    token.add_argument("--user", required=True, help="the email address")
    token.add_argument("--json", action="store_true", help="print a JSON object with the token")
    token.set_defaults(handler=run_token)

    guide = commands.add_parser("guide", help="how to register your own client ID")
    guide.add_argument("--provider", choices=_CHOICES, required=True)
    guide.add_argument("--json", action="store_true", help="print one JSON object")
    guide.set_defaults(handler=run_guide)


def _config(args: argparse.Namespace) -> tuple[OAuthConfig, str | None]:
    """The sign-in settings, and the key its client ID is remembered under (with --email)."""
    from dataclasses import replace

    from ..core.oauth import PROVIDERS, config_from_provider, discover_config

    secret = None
    if args.client_secret_env:
        secret = os.environ.get(args.client_secret_env)
        if not secret:
            fail_usage(f"The environment variable {args.client_secret_env} is not set.")
    ca_file = args.ca_file
    if ca_file is not None and not os.path.isfile(ca_file):
        fail_usage(f"--ca-file {ca_file}: no such file.")
    if args.email:
        if args.scope or args.tenant:
            fail_usage("--scope and --tenant go with --issuer and --provider, not --email.")
        return discovered_config(args, args.email, args.client_id, secret)
    if not args.client_id:
        fail_usage("Give the client ID of your registered app with --client-id.")
    if args.provider:
        if args.scope:
            fail_usage("--scope goes with --issuer; a known provider's scopes are built in.")
        provider = PROVIDERS[args.provider]
        if args.tenant:
            try:
                provider = provider.for_tenant(args.tenant)
            except ValueError as exc:
                fail_usage(str(exc))
        config = config_from_provider(provider, args.client_id, secret)
        return (replace(config, ca_file=ca_file) if ca_file else config), provider.key
    if not args.scope:
        fail_usage("With --issuer, give the scope that allows sending mail with --scope.")
    scopes = tuple(dict.fromkeys([*args.scope, "offline_access"]))
    config = asyncio.run(
        discover_config(
            args.issuer, args.client_id, scopes=scopes, client_secret=secret, ca_file=ca_file
        )
    )
    return config, None


def run_login(args: argparse.Namespace) -> int:
    from ..core.oauth import (
        OAuthFailure,
        SignIn,
        browser_sign_in,
        device_sign_in,
        remember_client_id,
        save_sign_in,
    )

    if args.user is None:
        if not args.email:
            fail_usage("Give the address you sign in with: --user.")
        args.user = args.email
    try:
        config, key = _config(args)
        if args.device:
            tokens = asyncio.run(device_sign_in(config, _show_code))
        else:
            tokens = asyncio.run(
                browser_sign_in(
                    config,
                    lambda url: _open(url, args.no_browser),
                    login_hint=args.user,
                    timeout=args.timeout,
                )
            )
        asyncio.run(save_sign_in(SignIn(args.user, config, tokens)))
    except Refused as refused:
        return refused.exit_status
    except OAuthFailure as failure:
        failure.username = args.user
        return _failed(failure, args.json)
    if key is not None:
        remember_client_id(key, config.client_id)  # entered once per issuer
    if args.json:
        print_json({"ok": True, "user": args.user, "provider": config.label, "scope": tokens.scope})
    else:
        print(f"Signed in as {args.user} with {config.label}; kept in the system keychain.")
    return EXIT_OK


def _open(url: str, no_browser: bool) -> None:
    print(
        "Opening your browser to sign in. If it does not open, visit:\n  " + url,
        file=sys.stderr,
        flush=True,
    )
    # Without a desktop, Python's webbrowser may start a text browser in this very terminal.
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    if headless and not no_browser:
        print(
            "(No desktop here, so no browser was opened: sign in with --device instead, or "
            "open the address in a browser on this same computer.)",
            file=sys.stderr,
            flush=True,
        )
    elif not no_browser:
        import webbrowser

        webbrowser.open(url)


def _show_code(code: DeviceCode) -> None:
    print(
        f"To sign in, open {code.verification_uri} on any device and enter the code "
        f"{code.user_code} (valid for {int(code.expires_in // 60)} minutes).",
        file=sys.stderr,
        flush=True,
    )


def run_logout(args: argparse.Namespace) -> int:
    from ..core.oauth import sign_out

    forgotten = asyncio.run(sign_out(args.user))
    if args.json:
        print_json({"ok": True, "user": args.user, "was_signed_in": forgotten})
    elif forgotten:
        print(f"Signed out: the sign-in for {args.user} is removed from the keychain.")
    else:
        print(f"There was no sign-in kept for {args.user}.")
    return EXIT_OK


def run_token(args: argparse.Namespace) -> int:
    import time

    from ..core.oauth import OAuthFailure, fresh_access_token

    try:
        token, sign_in = asyncio.run(fresh_access_token(args.user))
    except OAuthFailure as failure:
        return _failed(failure, args.json, to_stderr=True)
    if args.json:
        expires = sign_in.tokens.expires_at
        print_json(
            {
                "ok": True,
                "access_token": token,
                "expires_in": int(expires - time.time()) if expires else None,
                "scope": sign_in.tokens.scope,
            }
        )
    else:
        print(token)
    return EXIT_OK


def run_guide(args: argparse.Namespace) -> int:
    from ..core.oauth import PROVIDERS

    provider = PROVIDERS[args.provider]
    if args.json:
        print_json({"provider": provider.key, "steps": list(provider.register_guide)})
        return EXIT_OK
    print(f"Registering your own app with {provider.label} (once, a few minutes):")
    for number, step in enumerate(provider.register_guide, 1):
        print(textwrap.fill(step, 92, initial_indent=f"  {number}. ", subsequent_indent="     "))
    print(
        f"Then: smtpwizard oauth login --provider {provider.key} --user YOU --client-id ID"
        + (" --client-secret-env VAR" if provider.needs_client_secret else "")
    )
    return EXIT_OK


def _failed(failure: OAuthFailure, as_json: bool, *, to_stderr: bool = False) -> int:
    if as_json:
        print_json({"ok": False, "diagnosis": failure.to_dict()})
        return EXIT_FAILED
    stream = sys.stderr if to_stderr else sys.stdout
    print(f"✗ {failure.title}" if _unicode(stream) else f"!! {failure.title}", file=stream)
    for paragraph in (failure.explanation, "What to do: " + failure.fix):
        print(textwrap.indent(textwrap.fill(paragraph, 92), "  "), file=stream)
    if failure.technical:
        print(f"  ({failure.technical})", file=stream)
    return EXIT_FAILED


def _unicode(stream: Any) -> bool:
    return "utf" in (getattr(stream, "encoding", None) or "").lower()
