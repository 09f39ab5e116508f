"""The report as plain text for a desk's terminal (`smtpwizard report show FILE.json`).

The JSON came from a customer's machine, so its strings are as hostile as a server's: each one
passes the server-text boundary again here (load_report already did; showing is where it counts).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from ..servertext import printable

__all__ = ["report_lines", "shown"]


def shown(value: Any, dash: str = "-") -> str:
    """A report value for people: nothing as a dash, yes/no, lists joined, text made safe line
    by line (the line breaks of multi-line values are kept)."""
    if value is None or value == "":
        return dash
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(printable(str(v)) for v in value) or dash
    return "\n".join(printable(line) for line in str(value).split("\n"))


def _t(value: Any) -> str:
    return shown(value).replace("\n", " ")


def _wrap(text: str, indent: str = "  ") -> list[str]:
    return textwrap.wrap(text, 96, initial_indent=indent, subsequent_indent=indent) or [indent]


def report_lines(report: Mapping[str, Any]) -> list[str]:
    s, d = report["settings"], report["diagnosis"]
    verdict = "PASSED" if report.get("ok") else "FAILED"
    out = [
        f"smtpwizard report ({_t(report.get('created'))}, smtpwizard "
        f"{_t(report['app'].get('version'))} on {_t(report['system'].get('os'))} "
        f"{_t(report['system'].get('os_release'))})",
        f"Account: {_t(report.get('email'))}   Server: {_t(s.get('host'))} port "
        f"{_t(s.get('port'))} ({_t(s.get('security'))}), username {_t(s.get('username'))}",
    ]
    preset = report.get("preset")
    if preset:
        out.append(
            f"Preset: {_t(preset.get('organisation'))} (from {_t(preset.get('source'))}); "
            f"contact {_t(preset.get('email'))} {_t(preset.get('phone'))}"
        )
    out += ["", f"{verdict}: {_t(d.get('title'))} [{_t(d.get('code'))}]"]
    out += _wrap(_t(d.get("explanation")))
    out += _wrap("What to do: " + _t(d.get("fix")))
    if d.get("technical"):
        out += _wrap("The server said: " + _t(d["technical"]))
    out += ["", "Steps:"]
    for step in report["steps"]:
        took = "" if step.get("duration") is None else f"{float(step['duration']):6.3f} s"
        out.append(f"  {_t(step.get('status')):<8} {_t(step.get('label')):<50} {took}".rstrip())
        if step.get("detail"):
            out += _wrap(_t(step["detail"]), "             ")
    out += _ports(report) + _discovery(report) + _certificate(report)
    out += ["", "Transcript (password removed):"]
    out += [f"  {printable(str(line))}" for line in report.get("transcript") or []] or ["  -"]
    return out


def _ports(report: Mapping[str, Any]) -> list[str]:
    ports = report.get("ports")
    if not ports:
        return ["", "Ports: not probed for this report."]
    out = ["", "Ports:"]
    for p in ports:
        why = (p.get("diagnosis") or {}).get("title") if p.get("status") != "working" else ""
        ms = "" if p.get("latency_ms") is None else f" {p['latency_ms']} ms"
        out.append(
            f"  {_t(p.get('host'))} {_t(p.get('port'))}: {_t(p.get('status'))} "
            f"{_t(p.get('security'))}{ms}{'  ' + _t(why) if why else ''}"
        )
    return out


def _discovery(report: Mapping[str, Any]) -> list[str]:
    found = report.get("discovery")
    if not found:
        return ["", "Discovery: none (the server was given)."]
    out = ["", f"Discovery: {_t(found.get('summary'))}"]
    for src in found.get("sources") or []:
        out.append(f"  {_t(src.get('label'))}: {_t(src.get('status'))} - {_t(src.get('reason'))}")
    return out


def _certificate(report: Mapping[str, Any]) -> list[str]:
    cert = report.get("certificate")
    if not cert:
        return ["", "Certificate: none seen."]
    accepted = "accepted" if cert.get("verified") else "REFUSED"
    return [
        "",
        f"Certificate ({accepted}): issued to {_t(cert.get('subject'))} by "
        f"{_t(cert.get('issuer'))}",
        f"  names {_t(cert.get('san_names'))}; valid {_t(cert.get('not_before'))} to "
        f"{_t(cert.get('not_after'))}",
        f"  SHA-256 {_t(cert.get('fingerprint_sha256'))}",
    ]
