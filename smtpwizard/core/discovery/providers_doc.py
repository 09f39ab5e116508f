"""Renders docs/providers.md from providers.toml (a test keeps the file current).

.venv/bin/python -m smtpwizard.core.discovery.providers_doc > docs/providers.md
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .model import ProviderFlag, ProviderKind
from .providers import Provider, providers

_FLAG_TEXT = {
    ProviderFlag.APP_PASSWORD_REQUIRED: "needs an app password (the normal password is refused)",
    ProviderFlag.OAUTH_ONLY: "OAuth sign-in only: no password works",
    ProviderFlag.SMTP_AUTH_OFF_BY_DEFAULT: "sending from apps (SMTP AUTH) is off until enabled",
    ProviderFlag.BASIC_AUTH_ENDING: "password sign-in is being retired",
    ProviderFlag.ENABLE_ACCESS_IN_SETTINGS: "IMAP/SMTP access must be switched on in settings",
    ProviderFlag.PORT25_BLOCKED: "port 25 blocked or throttled on that network",
    ProviderFlag.USERNAME_IS_API_KEY: "username/password are an API key",
    ProviderFlag.USERNAME_IS_SMTP_CREDENTIAL: "a separate SMTP credential, not the account login",
    ProviderFlag.CERTIFICATE_NAMES_SERVER: "the certificate names the server, not your domain",
    ProviderFlag.REGION_SPECIFIC: "the server depends on the account's region",
    ProviderFlag.SENDER_MUST_MATCH_LOGIN: "the sender must be the login address or an alias",
    ProviderFlag.NO_SMTP: "offers no SMTP at all",
}
_KIND_TITLES = {
    ProviderKind.MAILBOX: "Mailbox providers",
    ProviderKind.HOSTING: "Hosting companies",
    ProviderKind.SENDING: "Sending services",
}


_HOW_DISCOVERY_WORKS = [
    "## How discovery uses this table and the other sources",
    "",
    "`smtpwizard.core.discovery.discover()` starts every source at once, each with its own",
    "deadline, and answers as soon as a source has found something and every source ranked",
    "above it has finished. Ranks, best first:",
    "",
    "| Rank | Source | Trusted | Why here |",
    "| --- | --- | --- | --- |",
    "| 1 | this table, by email domain | yes | written and dated by us; carries the notes |",
    "| 2 | autoconfig over https (autoconfig.DOMAIN, DOMAIN/.well-known) | yes |"
    " published by the domain itself |",
    "| 3 | Thunderbird's ISPDB | yes | curated, but edited by third parties and sometimes stale |",
    "| 4 | MX: this table by MX host, then autoconfig/ISPDB for the MX's base domain | no |"
    " DNS is unauthenticated, but the match is made against curated data |",
    "| 5 | SRV (_submissions._tcp, then _submission._tcp) | no |"
    " unauthenticated and raw; rarely published (the IETF draft declines it) |",
    "| 6 | autoconfig over plain http (only after https found nothing) | no |"
    " anyone on the network could have written it |",
    "| 7 | guesses: smtp.DOMAIN, mail.DOMAIN, DOMAIN, the MX host (names that exist) | no |"
    " a guess; the probe finds the port |",
    "",
    "Untrusted results need the user's confirmation. The email address is never sent to any",
    "web server (http or https). Documents are capped at 1 MiB, must be text/xml or",
    "application/xml, are parsed with defusedxml (no DOCTYPE, no entities), and redirects may",
    "only go to https on the same base domain (Public Suffix List aware).",
]


def render_markdown(table: Sequence[Provider] | None = None) -> str:
    table = list(table or providers())
    lines = [
        "# Built-in provider table",
        "",
        "Generated from `smtpwizard/core/discovery/providers.toml` by",
        "`python -m smtpwizard.core.discovery.providers_doc`; do not edit by hand.",
        "",
        "Each entry was written from the provider's own help page (Source) and compared with it on",
        "the date shown (Checked). Discovery matches an entry by the email domain (trusted) or by",
        "the domain's MX host (the user is asked to confirm). Sending services are matched by MX",
        "where they receive mail, and by server name.",
        "",
        f"{len(table)} entries.",
        "",
        *_HOW_DISCOVERY_WORKS,
        "",
        "## Flags",
        "",
        "| Flag | Meaning |",
        "| --- | --- |",
    ]
    lines += [f"| `{flag.value}` | {_FLAG_TEXT[flag]} |" for flag in ProviderFlag]
    for kind in ProviderKind:
        entries = [p for p in table if p.info.kind is kind]
        if not entries:
            continue
        lines += ["", f"## {_KIND_TITLES[kind]}", ""]
        for provider in entries:
            lines += _entry(provider)
    return "\n".join(lines) + "\n"


def _entry(provider: Provider) -> list[str]:
    info = provider.info
    smtp = ", ".join(f"{s.host}:{s.port} ({s.security.label})" for s in provider.smtp) or "none"
    incoming = (
        ", ".join(
            f"{s.protocol.value.upper()} {s.host}:{s.port} ({s.security.label})"
            for s in provider.incoming
        )
        or "-"
    )
    flags = ", ".join(f"`{f.value}`" for f in sorted(info.flags)) or "-"
    username = f"`{provider.username}`" if provider.username else "(see hint)"
    lines = [
        f"### {info.name} (`{info.id}`)",
        "",
        f"- Outgoing: {smtp}",
        f"- Incoming: {incoming}",
        f"- Username: {username}: {info.username_hint}",
        f"- Email domains: {', '.join(f'`{d}`' for d in provider.domains) or '-'}",
        f"- MX patterns: {', '.join(f'`{m}`' for m in provider.mx) or '-'}",
        f"- Flags: {flags}",
        *(
            [f"- SPF include: {', '.join(f'`include:{i}`' for i in provider.spf_include)}"]
            if provider.spf_include
            else []
        ),
        *(
            [f"- DKIM selectors: {', '.join(f'`{d}`' for d in provider.dkim_selectors)}"]
            if provider.dkim_selectors
            else []
        ),
    ]
    lines += [f"- Note: {note}" for note in info.notes]
    lines += [f"- Source: <{info.source_url}> (checked {info.checked})", ""]
    return lines


if __name__ == "__main__":
    sys.stdout.write(render_markdown())
