"""What the settings card says, as data: one model feeds the HTML, the PDF and the JSON card."""

from __future__ import annotations

from dataclasses import dataclass

import idna

from ..settings import PORT_GUIDANCE, IncomingProtocol, Security
from .base import ExportRequest

__all__ = [
    "ENCRYPTION_WORDS",
    "PASSWORD_HINT",
    "CardRow",
    "CardSection",
    "card_sections",
    "footer_text",
    "port_guidance",
    "port_intro",
]

PASSWORD_HINT = "your email password (or app password)"  # noqa: S105 (words, not a password)
ENCRYPTION_WORDS = {
    Security.STARTTLS: "STARTTLS",
    Security.TLS: "SSL/TLS",
    Security.NONE: "None (not encrypted)",
}
_PROTOCOL = {IncomingProtocol.IMAP: "IMAP", IncomingProtocol.POP3: "POP3"}


@dataclass(frozen=True, slots=True)
class CardRow:
    field: str  # stable machine name, e.g. "outgoing.host"
    label: str
    value: str
    hint: str = ""
    mono: bool = False  # a value people type exactly: set in a fixed-width font


@dataclass(frozen=True, slots=True)
class CardSection:
    title: str
    rows: tuple[CardRow, ...]


# What each program's dialog calls the mode. "TLS" alone is ambiguous: older Outlook (2010,
# 2013) uses it for STARTTLS, so it is only ever named with the program that means it.
_PROGRAM_WORDS = {
    Security.STARTTLS: (
        '"STARTTLS" in most programs ("TLS" in older Outlook); Apple: "Use TLS/SSL".'
    ),
    Security.TLS: '"SSL/TLS" in most programs ("SSL" in older Outlook); Apple: "Use TLS/SSL".',
    Security.NONE: '"None" in most programs; Apple: "Use TLS/SSL" off.',
}


# WP Mail SMTP's "Other SMTP" mailer takes only a password; its Microsoft 365 / Outlook and
# Google / Gmail mailers sign in with OAuth2 through the plugin's own app setup (its docs,
# "How to Set Up the Outlook Mailer" and "How to Set Up the Gmail Mailer").
_WORDPRESS_OAUTH2 = CardRow(
    "wordpress.mailer",
    "Mailer to choose",
    "In WP Mail SMTP choose the 'Microsoft 365 / Outlook' or 'Google / Gmail' mailer, not "
    "'Other SMTP' (it cannot sign in with OAuth2); Post SMTP and FluentSMTP have the same "
    "Microsoft and Google connections.",
)


def _encryption_hint(security: Security) -> str:
    return _PROGRAM_WORDS[security]


def _unicode_address(address: str) -> tuple[str, str]:
    """(the address as people write it, the ASCII form a program may need, or "")."""
    local, sep, domain = address.rpartition("@")
    if not sep or "xn--" not in domain.lower():
        return address, ""
    try:
        shown = idna.decode(domain)
    except idna.IDNAError:
        return address, ""
    return f"{local}@{shown}", address


def _address_row(field: str, label: str, address: str) -> CardRow:
    shown, ascii_form = _unicode_address(address)
    hint = f"If your program refuses it, type it as {ascii_form}" if ascii_form else ""
    return CardRow(field, label, shown, hint, mono=True)


def card_sections(req: ExportRequest) -> tuple[CardSection, ...]:
    password = req.password if req.password is not None else PASSWORD_HINT
    account_rows = [_address_row("account.email", "Email address", req.email)]
    if req.display_name:
        account_rows.insert(0, CardRow("account.name", "Your name", req.display_name))
    outgoing = [
        CardRow("outgoing.host", "Outgoing server (SMTP)", req.host, mono=True),
        CardRow("outgoing.port", "Port", str(req.port), mono=True),
        CardRow(
            "outgoing.security",
            "Encryption",
            ENCRYPTION_WORDS[req.security],
            _encryption_hint(req.security),
        ),
        CardRow(
            "outgoing.auth",
            "Sign in to send",
            "Yes" if req.auth else "No",
            "Also called 'My outgoing server requires authentication'." if req.auth else "",
        ),
    ]
    if req.username and req.oauth2:
        outgoing += [
            _address_row("outgoing.username", "Username", req.username),
            CardRow(
                "outgoing.signin",
                "How to sign in",
                "With your provider's sign-in page (OAuth2); there is no password to type",
                "In your mail program choose 'OAuth2' as the authentication method.",
            ),
        ]
    elif req.username:
        outgoing += [
            _address_row("outgoing.username", "Username", req.username),
            CardRow("outgoing.password", "Password", password, mono=req.password is not None),
        ]
    sections = [
        CardSection("Account", tuple(account_rows)),
        CardSection("Sending", tuple(outgoing)),
    ]
    if req.oauth2:
        sections.append(CardSection("On a WordPress site", (_WORDPRESS_OAUTH2,)))
    incoming = req.account.incoming
    if incoming is not None:
        sections.append(
            CardSection(
                f"Receiving ({_PROTOCOL[incoming.protocol]}), not tested by smtpwizard",
                (
                    CardRow("incoming.protocol", "Account type", _PROTOCOL[incoming.protocol]),
                    CardRow(
                        "incoming.host",
                        f"Incoming server ({_PROTOCOL[incoming.protocol]})",
                        incoming.host,
                        mono=True,
                    ),
                    CardRow("incoming.port", "Port", str(incoming.port), mono=True),
                    CardRow(
                        "incoming.security",
                        "Encryption",
                        ENCRYPTION_WORDS[incoming.security],
                        _encryption_hint(incoming.security),
                    ),
                    _address_row("incoming.username", "Username", req.incoming_username),
                    CardRow("incoming.password", "Password", PASSWORD_HINT)
                    if not req.oauth2
                    else CardRow("incoming.signin", "How to sign in", "OAuth2, as for sending"),
                ),
            )
        )
    return tuple(sections)


def port_guidance(req: ExportRequest) -> tuple[str | None, tuple[str, ...]]:
    """(advice for this card's port when there is any, the other ports to try in order).
    None and () for a relay that takes mail without a sign-in on port 25: it accepts this
    network on that port only, so other ports are no alternative."""
    if req.port == 25 and not req.auth:
        return None, ()
    this_port = PORT_GUIDANCE.get(req.port)
    others = tuple(text for port, text in PORT_GUIDANCE.items() if port != req.port)
    return this_port, others


def port_intro(req: ExportRequest) -> str:
    return f"If port {req.port} is blocked, try these in this order (not tested by smtpwizard):"


def footer_text(req: ExportRequest) -> str:
    if req.checked_on is None:
        return "Made with smtpwizard. These settings were not tested by smtpwizard."
    text = f"Sending tested and working with smtpwizard on {req.checked_on.isoformat()}."
    if req.account.incoming is not None:
        text += " The incoming server was not tested."
    return text
