"""The support-desk report: everything one check found, as a versioned JSON document.

The same dictionary feeds the HTML page (report_html.py), `smtpwizard report show` (report_text.py)
and the JSON twin written next to the page. Its format is docs/report-format.md; FORMAT and
VERSION name it, and a reader refuses a major version it does not know.

What never goes in: the password or an OAuth token. The settings model holds neither, the check's
transcript is already redacted where it is recorded, and `secret_free` below refuses a report
that still contains a secret the caller knows about, as a last net.
"""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ... import __version__
from ..atomic import atomic_write_text
from ..errors import InputError
from ..servertext import printable
from .files import read_input_file

if TYPE_CHECKING:
    from ..check import CheckResult
    from ..probe import ProbeResult, ServerSearch

FORMAT = "smtpwizard-report"
VERSION = 1
MAX_REPORT_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class DeskContact:
    """Who made the preset the check used, and how to reach them (report["preset"])."""

    organisation: str
    source: str  # the preset's file name or https URL
    email: str = ""
    phone: str = ""
    web: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "organisation": self.organisation,
            "source": self.source,
            "email": self.email,
            "phone": self.phone,
            "web": self.web,
        }


def build_report(
    result: CheckResult,
    *,
    email: str | None = None,
    search: ServerSearch | None = None,
    probe: ProbeResult | None = None,
    preset: DeskContact | None = None,
    secrets: Iterable[str] = (),
    now: datetime | None = None,
) -> dict[str, Any]:
    """The report of one check; `search` (discovery and probe) or `probe` add what they found.

    Raises ValueError if one of `secrets` (the password, a token) appears anywhere in it.
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    check = result.to_dict()
    if probe is None and search is not None:
        probe = search.probe
    report: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "created": moment.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "app": {"name": "smtpwizard", "version": __version__},
        "system": {
            "os": platform.system() or sys.platform,
            "os_release": platform.release(),
            "machine": platform.machine(),
            "python": platform.python_version(),
        },
        "email": email,
        "preset": preset.to_dict() if preset else None,
        "settings": check["settings"],
        "ok": check["ok"],
        "diagnosis": check["diagnosis"],
        "steps": check["steps"],
        "duration": check["duration"],
        "message_sent": check["message_sent"],
        "server": check["server"],
        "tls": check["tls"],
        "certificate": _certificate(check),
        "ports": probe.to_dict()["ports"] if probe else None,
        "discovery": _discovery(search),
        "transcript": check["transcript"],
    }
    report = _clean(report)
    return secret_free(report, secrets)


def _certificate(check: Mapping[str, Any]) -> dict[str, Any] | None:
    seen = check.get("certificate_seen")
    if seen:  # shown by the server, refused by our checks
        return {"verified": False, **seen}
    tls = check.get("tls") or {}
    if not tls.get("certificate"):
        return None
    return {"verified": bool(tls.get("verified")), **tls["certificate"]}


def _discovery(search: ServerSearch | None) -> dict[str, Any] | None:
    if search is None:
        return None
    full = search.to_dict()
    return {
        "domain": full["domain"],
        "summary": full["summary"],
        "provider": full["provider"]["name"] if full["provider"] else None,
        "notes": full["notes"],
        "sources": full["sources"],
        "candidates": [
            {k: c[k] for k in ("host", "port", "security", "source", "trusted")}
            for c in full["candidates"]
        ],
        "recommended": full["recommended"],
    }


def _clean(value: Any) -> Any:
    """Every string through the server-text boundary: most of them came from a server."""
    if isinstance(value, str):
        return "\n".join(printable(line) for line in value.split("\n"))
    if isinstance(value, Mapping):
        return {printable(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def secret_free(report: dict[str, Any], secrets: Iterable[str]) -> dict[str, Any]:
    text = json.dumps(report, ensure_ascii=False)
    for secret in secrets:
        if secret and len(secret) >= 3 and secret in text:
            raise ValueError("the report would contain a secret; it was not written")
    return report


def report_paths(target: Path) -> tuple[Path, Path]:
    """(HTML, JSON) for the name the user gave: report.html -> report.html + report.json."""
    if target.suffix.lower() == ".json":
        return target.with_suffix(".html"), target
    if target.suffix.lower() in {".html", ".htm"}:
        return target, target.with_suffix(".json")
    return target.with_name(target.name + ".html"), target.with_name(target.name + ".json")


def write_report(report: dict[str, Any], target: Path) -> tuple[Path, Path]:
    """Write the HTML page and its JSON twin (readable by the user only); returns both paths."""
    from .report_html import render_html

    html_path, json_path = report_paths(target)
    atomic_write_text(json_path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    atomic_write_text(html_path, render_html(report))
    return html_path, json_path


def load_report(path: Path) -> dict[str, Any]:
    """A report's JSON twin, checked enough to show; InputError with plain words otherwise."""
    data = read_input_file(path, MAX_REPORT_BYTES, "report")
    try:
        report = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InputError(f"{path}: this is not a JSON report file.", "report") from None
    if not isinstance(report, dict) or report.get("format") != FORMAT:
        raise InputError(f"{path}: this is not an smtpwizard report.", "report")
    version = report.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise InputError(
            f"{path}: report format version {version} is newer than this smtpwizard reads "
            f"(up to {VERSION}); please update smtpwizard.",
            "report",
        )
    for key, kind in (("settings", dict), ("diagnosis", dict), ("steps", list)):
        if not isinstance(report.get(key), kind):
            raise InputError(f"{path}: the report is damaged (no {key}).", "report")
    return _clean(report)  # type: ignore[no-any-return]
