"""The report as one self-contained HTML page: no scripts, nothing fetched, prints well.

Every value passes the server-text boundary (servertext.printable) and then html.escape, so a
banner such as `<img src=http://...>` is shown as those characters. The Content-Security-Policy
meta tag forbids every fetch and every script (default-src 'none'); the one inline style sheet is
allowed by its SHA-256 hash, not by 'unsafe-inline'. Elements holding report values carry
data-key="path.in.the.json", so a test in a real browser can compare what it shows with the JSON.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..servertext import printable
from .report_text import shown

_CSS = """
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: #1b1b1f; background: #fff; max-width: 60rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .5rem; border-bottom: 1px solid #d0d0d7;
  padding-bottom: .2rem; }
.meta { color: #55555f; margin: 0 0 1rem; }
.verdict { border-radius: 6px; padding: .8rem 1rem; border: 2px solid; }
.verdict.ok { border-color: #1a7f37; background: #eefbf1; }
.verdict.failed { border-color: #b42318; background: #fdf0ef; }
.verdict h2 { border: 0; margin: 0 0 .3rem; }
.desk { border: 1px solid #8a8aa0; border-radius: 6px; padding: .6rem 1rem; background: #f5f5fa; }
table { border-collapse: collapse; width: 100%; margin: .3rem 0; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem;
  border-bottom: 1px solid #e4e4ea; overflow-wrap: break-word; }
table.kv td { overflow-wrap: anywhere; }
td.nw, th.nw { white-space: nowrap; }
th { background: #f3f3f6; font-weight: 600; }
table.kv th { width: 14rem; background: none; }
.st-ok, .st-working, .st-found { color: #1a7f37; font-weight: 600; }
.st-failed { color: #b42318; font-weight: 600; }
pre { background: #f6f6f9; border: 1px solid #e4e4ea; padding: .6rem; font-size: 12.5px;
  white-space: pre-wrap; overflow-wrap: anywhere; }
code { font-size: 13px; }
footer { color: #55555f; font-size: .85rem; margin-top: 2rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  h2 { break-after: avoid; }
  tr, .verdict, .desk { break-inside: avoid; }
  pre { font-size: 9pt; }
}
"""


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(_CSS.encode("utf-8")).digest()).decode("ascii")
    return (
        "default-src 'none'; "
        f"style-src 'sha256-{digest}'; "
        "img-src 'none'; font-src 'none'; connect-src 'none'; script-src 'none'; "
        "base-uri 'none'; form-action 'none'; frame-src 'none'; object-src 'none'"
    )


def _text(value: Any) -> str:
    """A value for the page: as report show says it, escaped, line breaks kept."""
    return "<br>".join(html.escape(line) for line in shown(value, "—").split("\n"))


def _cell(key: str, value: Any, css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f'<td data-key="{html.escape(key)}"{cls}>{_text(value)}</td>'


def _kv_table(rows: Iterable[tuple[str, str, Any]]) -> str:
    body = "".join(
        f"<tr><th scope=row>{html.escape(label)}</th>{_cell(key, value)}</tr>"
        for label, key, value in rows
    )
    return f'<table class="kv">{body}</table>'


def _table(
    prefix: str,
    items: Sequence[Mapping[str, Any]],
    columns: Sequence[tuple[str, str]],
    status: str | None = None,
) -> str:
    head = "".join(
        f"<th scope=col{' class=nw' if field in _SHORT else ''}>{html.escape(title)}</th>"
        for title, field in columns
    )
    rows = []
    for number, item in enumerate(items):
        cells = []
        for _, field in columns:
            value = _lookup(item, field)
            css = f"st-{html.escape(str(value))}" if field == status else ""
            if field in _SHORT:
                css = f"{css} nw".strip()
            cells.append(_cell(f"{prefix}.{number}.{field}", value, css))
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


# Columns of short values (numbers, states, modes) that read badly when broken over lines.
_SHORT = frozenset({"port", "status", "seconds", "latency_ms", "security", "trusted"})


def _lookup(item: Mapping[str, Any], dotted: str) -> Any:
    value: Any = item
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _seconds(value: Any) -> str | None:
    return None if value is None else f"{float(value):.3f} s"


def _verdict(report: Mapping[str, Any]) -> str:
    d = report["diagnosis"]
    state = "ok" if report.get("ok") else "failed"
    parts = [
        f'<section class="verdict {state}">',
        f'<h2 data-key="diagnosis.title">{_text(d.get("title"))}</h2>',
        f'<p data-key="diagnosis.explanation">{_text(d.get("explanation"))}</p>',
        f'<p><strong>What to do:</strong> <span data-key="diagnosis.fix">'
        f"{_text(d.get('fix'))}</span></p>",
        f'<p>Code: <code data-key="diagnosis.code">{_text(d.get("code"))}</code></p>',
    ]
    if d.get("technical"):
        parts.append(
            f'<p>The server said: <code data-key="diagnosis.technical">'
            f"{_text(d['technical'])}</code></p>"
        )
    parts.append("</section>")
    return "".join(parts)


def _desk(preset: Mapping[str, Any] | None) -> str:
    if not preset:
        return ""
    rows = [
        ("Organisation", "preset.organisation", preset.get("organisation")),
        ("Email", "preset.email", preset.get("email")),
        ("Phone", "preset.phone", preset.get("phone")),
        ("Web page", "preset.web", preset.get("web")),
        ("Settings from", "preset.source", preset.get("source")),
    ]
    shown = [row for row in rows if row[2]]
    return (
        '<section class="desk"><h2>Your support desk</h2>'
        "<p>These settings came from your support desk's preset. Send them this report.</p>"
        f"{_kv_table(shown)}</section>"
    )


def _settings(report: Mapping[str, Any]) -> str:
    s = report["settings"]
    return _kv_table(
        [
            ("Email address", "email", report.get("email")),
            ("Server", "settings.host", s.get("host")),
            ("Port", "settings.port", s.get("port")),
            ("Security", "settings.security", s.get("security")),
            ("Username", "settings.username", s.get("username")),
            (
                "Sign-in without encryption allowed",
                "settings.allow_insecure_auth",
                s.get("allow_insecure_auth"),
            ),
            ("Trusted certificate", "settings.trusted_fingerprint", s.get("trusted_fingerprint")),
        ]
    )


def _steps(report: Mapping[str, Any]) -> str:
    steps = [{**step, "seconds": _seconds(step.get("duration"))} for step in report["steps"]]
    return _table(
        "steps",
        steps,
        [("Step", "label"), ("Result", "status"), ("Time", "seconds"), ("Detail", "detail")],
        status="status",
    )


def _ports(report: Mapping[str, Any]) -> str:
    ports = report.get("ports")
    if not ports:
        return "<p>No ports were probed for this report.</p>"
    return _table(
        "ports",
        ports,
        [
            ("Server", "host"),
            ("Port", "port"),
            ("Result", "status"),
            ("Encryption", "security"),
            ("Time (ms)", "latency_ms"),
            ("Why", "diagnosis.title"),
        ],
        status="status",
    )


def _discovery(report: Mapping[str, Any]) -> str:
    found = report.get("discovery")
    if not found:
        return "<p>The server was given; no discovery ran for this report.</p>"
    sources = [{**src, "seconds": _seconds(src.get("duration"))} for src in found["sources"]]
    parts = [
        f'<p data-key="discovery.summary">{_text(found.get("summary"))}</p>',
        _table(
            "discovery.sources",
            sources,
            [
                ("Source", "label"),
                ("Result", "status"),
                ("What it said", "reason"),
                ("Time", "seconds"),
            ],
            status="status",
        ),
    ]
    if found.get("candidates"):
        parts.append(
            _table(
                "discovery.candidates",
                found["candidates"],
                [
                    ("Server", "host"),
                    ("Port", "port"),
                    ("Security", "security"),
                    ("Source", "source"),
                    ("Trusted", "trusted"),
                ],
            )
        )
    return "".join(parts)


def _certificate(report: Mapping[str, Any]) -> str:
    cert = report.get("certificate")
    if not cert:
        return "<p>No certificate was seen (the connection was not encrypted or not reached).</p>"
    return _kv_table(
        [
            ("Issued to", "certificate.subject", cert.get("subject")),
            ("Issued by", "certificate.issuer", cert.get("issuer")),
            ("Names", "certificate.san_names", cert.get("san_names")),
            ("Valid from", "certificate.not_before", cert.get("not_before")),
            ("Valid until", "certificate.not_after", cert.get("not_after")),
            (
                "SHA-256 fingerprint",
                "certificate.fingerprint_sha256",
                cert.get("fingerprint_sha256"),
            ),
            ("Accepted", "certificate.verified", cert.get("verified")),
        ]
    )


def _server(report: Mapping[str, Any]) -> str:
    server = report.get("server") or {}
    tls = report.get("tls") or {}
    return _kv_table(
        [
            ("Address", "server.address", server.get("address")),
            ("Greeting", "server.banner", server.get("banner")),
            ("Sign-in methods", "server.auth_mechanisms", server.get("auth_mechanisms")),
            ("Largest message (bytes)", "server.size_limit", server.get("size_limit")),
            ("TLS version", "tls.version", tls.get("version")),
            ("TLS cipher", "tls.cipher", tls.get("cipher")),
        ]
    )


def _system(report: Mapping[str, Any]) -> str:
    app, system = report["app"], report["system"]
    return _kv_table(
        [
            ("smtpwizard", "app.version", app.get("version")),
            ("Operating system", "system.os", system.get("os")),
            ("OS release", "system.os_release", system.get("os_release")),
            ("Machine", "system.machine", system.get("machine")),
            ("Python", "system.python", system.get("python")),
            ("Report created (UTC)", "created", report.get("created")),
            ("Check took", "duration", _seconds(report.get("duration"))),
        ]
    )


def render_html(report: Mapping[str, Any]) -> str:
    s = report["settings"]
    title = f"Email sending report: {printable(str(s.get('host')))} port {s.get('port')}"
    transcript = "\n".join(html.escape(printable(line)) for line in report.get("transcript", []))
    body = [
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">Created <span data-key="created">{_text(report.get("created"))}'
        f'</span> by smtpwizard <span data-key="app.version">'
        f"{_text(report['app'].get('version'))}</span>. No password is in this report.</p>",
        _desk(report.get("preset")),
        _verdict(report),
        "<h2>Settings tested</h2>",
        _settings(report),
        "<h2>Each step</h2>",
        _steps(report),
        "<h2>Ports tried</h2>",
        _ports(report),
        "<h2>Where the settings came from</h2>",
        _discovery(report),
        "<h2>The server's certificate</h2>",
        _certificate(report),
        "<h2>The server</h2>",
        _server(report),
        "<h2>The conversation with the server (password removed)</h2>",
        f'<pre data-key="transcript">{transcript}</pre>',
        "<h2>This computer</h2>",
        _system(report),
        f"<footer>Report format {html.escape(str(report.get('format')))} version "
        f"{html.escape(str(report.get('version')))}; the same facts are in the .json file "
        "next to this page.</footer>",
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_csp()}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>{_CSS}</style>\n"
        f"</head><body>\n{''.join(body)}\n</body></html>\n"
    )
