"""The settings card for support desks: the values every mail program asks for, in plain words.
One model (card_content.py) feeds the HTML, the PDF (card_pdf.py) and the JSON."""

from __future__ import annotations

import html
import json

from ..settings import Security
from .base import Audience, ExportFormat, ExportRequest, Place, security_also_called
from .card_content import (
    ENCRYPTION_WORDS,
    CardRow,
    CardSection,
    card_sections,
    footer_text,
    port_guidance,
    port_intro,
)

__all__ = ["FORMATS", "CardRow", "CardSection", "card_sections", "port_guidance"]

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
    if this_port or others:
        parts.append("<h2>If sending does not work</h2>")
    if this_port:
        parts.append(f'<p class="this-port">{esc(this_port)}</p>')
    if others:
        parts += [f"<p>{esc(port_intro(req))}</p>", '<ul class="guidance">']
        parts += [f"<li>{esc(text)}</li>" for text in others]
        parts.append("</ul>")
    parts += [f"<footer>{esc(footer_text(req))}</footer>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def settings_json(req: ExportRequest) -> str:
    def server(host: str, port: int, security: Security, username: str | None) -> dict[str, object]:
        return {
            "host": host,
            "port": port,
            "security": security.value,
            "encryption": ENCRYPTION_WORDS[security],
            "also_called": list(security_also_called(security)),
            "username": username,
        }

    outgoing = server(req.host, req.port, req.security, req.username)
    outgoing["authentication"] = req.auth
    if req.oauth2:
        outgoing["sign_in"] = "oauth2"
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
        handles_oauth2=True,
        render=settings_card_html,
        for_version="Any mail program; opens in any web browser",
        sign_in_note="The card says 'your email password (or app password)'.",
    ),
    ExportFormat(
        id="card-pdf",
        title="Settings card (PDF, printable)",
        audience=Audience.SUPPORT,
        file_name="email-settings.pdf",
        how_to_use=_CARD_HOW + "Fits A4 and US Letter paper.",
        can_carry_password=True,
        handles_oauth2=True,
        render=_settings_card_pdf,
        for_version="Any mail program; prints on A4 or US Letter",
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
        handles_oauth2=True,
        render=settings_json,
        place=Place.CODE,
        for_version="smtpwizard settings format 1",
        sign_in_note="Left out; 'authentication' says whether one is needed.",
    ),
)
