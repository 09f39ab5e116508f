"""`smtpwizard oauth login --email ADDRESS`: the identity provider found by discovery.

Discovery runs for the address (core/discovery); the first candidate whose server is in our
provider table, or that came with an <oAuth2> block, gives the sign-in (core/oauth/offer.py
judges the block). The sign-in page's host is printed before any browser opens; a page that a
lower-trust document named outside the address's organisation needs --trust-sign-in-host HOST,
the command line's form of the wizard's consent that names both domains.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import textwrap
from typing import TYPE_CHECKING

from .common import EXIT_FAILED, fail_usage, print_json, resolver_from

if TYPE_CHECKING:
    from ..core.oauth import DiscoveredSignIn, OAuthConfig

__all__ = ["Refused", "add_discovery_options", "discovered_config"]


class Refused(Exception):
    """No sign-in may start; exit_status and what was printed say why."""

    def __init__(self, exit_status: int) -> None:
        super().__init__(exit_status)
        self.exit_status = exit_status


def add_discovery_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("with --email (the sign-in found by discovery)")
    group.add_argument(
        "--trust-sign-in-host",
        metavar="HOST",
        help="go on although the sign-in page is outside your address's organisation "
        "(only when your provider told you it runs there)",
    )
    group.add_argument("--ispdb-url", metavar="URL", help=argparse.SUPPRESS)
    group.add_argument("--dns-server", metavar="IP[:PORT]", help=argparse.SUPPRESS)
    group.add_argument("--resolve", action="append", default=[], help=argparse.SUPPRESS)


def _find(args: argparse.Namespace, email: str) -> DiscoveredSignIn:
    from dataclasses import replace

    from ..core.discovery import DiscoveryOptions, discover
    from ..core.errors import InputError
    from ..core.oauth import discovered_sign_in, provider_for_server

    resolver = resolver_from(args)
    options = DiscoveryOptions(
        dns_server=resolver.dns_server, resolve=resolver.overrides, ca_file=args.ca_file
    )
    if args.ispdb_url:
        options = replace(options, ispdb_url=args.ispdb_url)
    result = asyncio.run(discover(email, options=options))
    problems: list[str] = []
    for candidate in result.candidates:
        if candidate.oauth2 is None and provider_for_server(candidate.host) is None:
            continue
        if candidate.oauth2 is None:  # Microsoft's or Google's server: our table's settings
            from ..core.discovery.clientconfig import OAuth2Block

            known = provider_for_server(candidate.host)
            assert known is not None
            block = OAuth2Block(
                known.issuer, known.scopes, known.authorization_endpoint, known.token_endpoint
            )
            candidate = replace(candidate, oauth2=block)
        try:
            offer = discovered_sign_in(candidate, email)
        except InputError as exc:
            problems.append(f"{candidate.host} ({candidate.source.label}): {exc.message}")
            continue
        if offer is not None:
            return offer
    words = f"No sign-in with OAuth2 was found for {email}."
    if problems:
        words += " Not used: " + "; ".join(problems)
    _say(args, {"ok": False, "found": False, "reason": words}, words)
    raise Refused(EXIT_FAILED)


def discovered_config(
    args: argparse.Namespace, email: str, client_id: str | None, secret: str | None
) -> tuple[OAuthConfig, str]:
    """The sign-in settings and the key its client ID is remembered under."""
    from ..core.oauth import remembered_client_ids

    offer = _find(args, email)
    facts = {"sign_in_host": offer.host, "provider": offer.label, "source": offer.source.value}
    print(offer.where_words(), file=sys.stderr, flush=True)
    if offer.needs_confirmation and (args.trust_sign_in_host or "").lower() != offer.host:
        text = (
            f"{offer.warning()}\nOnly if you are sure, run again with "
            f"--trust-sign-in-host {offer.host}"
        )
        _say(args, {"ok": False, "needs_consent": True, "warning": offer.warning(), **facts}, text)
        raise Refused(EXIT_FAILED)
    client_id = client_id or remembered_client_ids().get(offer.key)
    if not client_id:
        guide = "\n".join(f"  {n}. {s}" for n, s in enumerate(_guide(offer), 1))
        fail_usage(
            f"Give the client ID of your app registered with {offer.label} (--client-id).\n"
            f"Registering one (once, a few minutes):\n{guide}"
        )
    return asyncio.run(offer.resolve(client_id, secret, ca_file=args.ca_file)), offer.key


def _guide(offer: DiscoveredSignIn) -> tuple[str, ...]:
    from ..core.oauth import generic_guide

    return generic_guide(offer)


def _say(args: argparse.Namespace, data: dict[str, object], text: str) -> None:
    if args.json:
        print_json(data)
    else:
        for paragraph in text.split("\n"):
            print(textwrap.fill(paragraph, 92), file=sys.stderr)
