"""The settings card for support desks: the values every mail program asks for, in plain words.
One model (card_sections) feeds the HTML, the PDF (card_pdf.py) and the JSON."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

from ..settings import PORT_GUIDANCE, IncomingProtocol, Security
from .base import Audience, ExportFormat, ExportRequest, security_also_called

__all__ = ["FORMATS", "CardRow", "CardSection", "card_sections", "port_guidance"]

PASSWORD_HINT = "your email password (or app password)"  # noqa: S105 (words, not a password)
_PLAIN = {
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
            _PLAIN[req.security],
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
                        _PLAIN[incoming.security],
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


_CSS = """
@page { size: auto; margin: 15mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: #1a1a1a;
  max-width: 180mm; margin: 2em auto; padding: 0 1em; font-size: 11pt; line-height: 1.4; }
h1 { font-size: 20pt; margin: 0 0 0.2em; }
.lead { color: #444; margin: 0 0 1.2em; }
h2 { font-size: 13pt; margin: 1.4em 0 0.4em; border-bottom: 2px solid #2a6fb0; }
table { width: 100%; border-collapse: collapse; page-break-inside: avoid; }
th, td { text-align: left; vertical-align: top; padding: 0.45em 0.6em;
  border-bottom: 1px solid #d5d9de; }
th { width: 38%; font-weight: 600; background: #f3f6f9; }
td .value { font-size: 12pt; }
td .mono { font-family: "DejaVu Sans Mono", Consolas, Menlo, monospace; }
td .hint { display: block; color: #555; font-size: 9.5pt; }
p.this-port { font-weight: 600; }
ul.guidance { padding-left: 1.2em; margin-top: 0.3em; }
footer { margin-top: 2em; padding-top: 0.5em; border-top: 1px solid #d5d9de; color: #555;
  font-size: 9pt; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } }
"""


def settings_card_html(req: ExportRequest) -> str:
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>Email settings for {esc(req.email)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<h1>Email settings</h1>",
        f'<p class="lead">Type these values into your mail program for {esc(req.email)}.</p>',
    ]
    for section in card_sections(req):
        parts += [f"<h2>{esc(section.title)}</h2>", '<table class="settings">']
        for row in section.rows:
            value_class = "value mono" if row.mono else "value"
            hint = f'<span class="hint">{esc(row.hint)}</span>' if row.hint else ""
            parts.append(
                f'<tr><th scope="row">{esc(row.label)}</th>'
                f'<td data-field="{esc(row.field)}"><span class="{value_class}">'
                f"{esc(row.value)}</span>{hint}</td></tr>"
            )
        parts.append("</table>")
    this_port, others = port_guidance(req)
    parts.append("<h2>If sending does not work</h2>")
    if this_port:
        parts.append(f'<p class="this-port">{esc(this_port)}</p>')
    parts += [f"<p>{esc(port_intro(req))}</p>", '<ul class="guidance">']
    parts += [f"<li>{esc(text)}</li>" for text in others]
    parts += ["</ul>", f"<footer>{esc(footer_text(req))}</footer>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def settings_json(req: ExportRequest) -> str:
    def server(host: str, port: int, security: Security, username: str | None) -> dict[str, object]:
        return {
            "host": host,
            "port": port,
            "security": security.value,
            "encryption": _PLAIN[security],
            "also_called": list(security_also_called(security)),
            "username": username,
        }

    outgoing = server(req.host, req.port, req.security, req.username)
    outgoing["authentication"] = req.auth
    if req.password is not None:
        outgoing["password"] = req.password
    incoming = req.account.incoming
    data = {
        "smtpwizard_settings": 1,
        "checked_on": req.checked_on.isoformat() if req.checked_on else None,
        "account": {"email": req.email, "display_name": req.display_name},
        "outgoing": outgoing,
        "incoming": (
            dict(
                server(incoming.host, incoming.port, incoming.security, req.incoming_username),
                protocol=incoming.protocol.value,
            )
            if incoming
            else None
        ),
        "port_guidance": {
            "this_port": port_guidance(req)[0],
            "alternatives": list(port_guidance(req)[1]),
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _settings_card_pdf(req: ExportRequest) -> bytes:
    from .card_pdf import settings_card_pdf  # reportlab loads only when a PDF is wanted

    return settings_card_pdf(req)


_CARD_HOW = (
    "Print it or send it to the person setting up the mail program: it lists every value a "
    "mail program asks for (Outlook, Apple Mail, Thunderbird, phones). "
)

FORMATS = (
    ExportFormat(
        id="card-html",
        title="Settings card (HTML, printable)",
        audience=Audience.SUPPORT,
        file_name="email-settings.html",
        how_to_use=_CARD_HOW + "Open it in a web browser; File > Print prints it on one page.",
        can_carry_password=True,
        render=settings_card_html,
        sign_in_note="The card says 'your email password (or app password)'.",
    ),
    ExportFormat(
        id="card-pdf",
        title="Settings card (PDF, printable)",
        audience=Audience.SUPPORT,
        file_name="email-settings.pdf",
        how_to_use=_CARD_HOW + "Fits A4 and US Letter paper.",
        can_carry_password=True,
        render=_settings_card_pdf,
        binary=True,
        sign_in_note="The card says 'your email password (or app password)'.",
    ),
    ExportFormat(
        id="settings-json",
        title="Settings (JSON, for support tools and scripts)",
        audience=Audience.SUPPORT,
        file_name="email-settings.json",
        how_to_use=(
            "A machine-readable copy of the checked settings for help-desk tools and scripts. "
            "smtpwizard itself never stores the password in it unless you asked."
        ),
        can_carry_password=True,
        render=settings_json,
        sign_in_note="Left out; 'authentication' says whether one is needed.",
    ),
)
