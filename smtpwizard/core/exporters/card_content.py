"""What the settings card says, as data: one model feeds the HTML, the PDF and the JSON card."""

from __future__ import annotations

from dataclasses import dataclass

from ..settings import PORT_GUIDANCE, IncomingProtocol, Security
from .base import ExportRequest, security_also_called

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


def _encryption_hint(security: Security) -> str:
    names = " or ".join(f'"{name}"' for name in security_also_called(security))
    return f"Your program may call it {names}."


def card_sections(req: ExportRequest) -> tuple[CardSection, ...]:
    password = req.password if req.password is not None else PASSWORD_HINT
    account_rows = [CardRow("account.email", "Email address", req.email, mono=True)]
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
    if req.username:
        outgoing += [
            CardRow("outgoing.username", "Username", req.username, mono=True),
            CardRow("outgoing.password", "Password", password, mono=req.password is not None),
        ]
    sections = [
        CardSection("Account", tuple(account_rows)),
        CardSection("Sending", tuple(outgoing)),
    ]
    incoming = req.account.incoming
    if incoming is not None:
        sections.append(
            CardSection(
                f"Receiving ({_PROTOCOL[incoming.protocol]})",
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
                    CardRow("incoming.username", "Username", req.incoming_username, mono=True),
                    CardRow("incoming.password", "Password", PASSWORD_HINT),
                ),
            )
        )
    return tuple(sections)


def port_guidance(req: ExportRequest) -> tuple[str | None, tuple[str, ...]]:
    """(advice for this card's port when there is any, the other ports to try in order)."""
    this_port = PORT_GUIDANCE.get(req.port)
    others = tuple(text for port, text in PORT_GUIDANCE.items() if port != req.port)
    return this_port, others


def port_intro(req: ExportRequest) -> str:
    return f"If port {req.port} is blocked on your network, try these instead, in this order:"


def footer_text(req: ExportRequest) -> str:
    if req.checked_on is None:
        return "Made with smtpwizard. These settings were not tested by smtpwizard."
    return f"Tested and working with smtpwizard on {req.checked_on.isoformat()}."
