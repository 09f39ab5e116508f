"""A results file of `smtpwizard batch`, read back for people (the wizard's table of failures).

The file may have been edited or come from elsewhere: every value is checked for type and
passes the server-text boundary before it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..servertext import printable
from ..settings import Security
from .batch_output import parse_results
from .files import read_input_file

__all__ = ["BatchResults", "ResultRow", "read_results_file"]

MAX_RESULTS_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ResultRow:
    number: int
    email: str
    host: str
    port: int | None
    security: Security | None
    ok: bool
    code: str
    title: str
    fix: str
    seconds: float | None

    @classmethod
    def of(cls, number: int, record: dict[str, Any]) -> ResultRow:
        def text(key: str) -> str:
            return printable(str(record.get(key) or ""))

        port = str(record.get("port") or "")
        try:
            security = Security(text("security")) if record.get("security") else None
        except ValueError:
            security = None
        try:
            seconds = float(record["seconds"])
        except (TypeError, ValueError):
            seconds = None
        return cls(
            number=number,
            email=text("email"),
            host=text("host"),
            port=int(port) if port.isdigit() and 0 < int(port) < 65536 else None,
            security=security,
            ok=record.get("ok") is True or str(record.get("ok")).lower() == "true",
            code=text("code"),
            title=text("title"),
            fix=text("fix"),
            seconds=seconds,
        )


@dataclass(frozen=True, slots=True)
class BatchResults:
    path: Path
    rows: tuple[ResultRow, ...]

    @property
    def failures(self) -> tuple[ResultRow, ...]:
        return tuple(row for row in self.rows if not row.ok)


def read_results_file(path: Path) -> BatchResults:
    data = read_input_file(path, MAX_RESULTS_BYTES, "results")
    try:
        text = data.decode("utf-8")
        json_lines = text.lstrip().startswith("{")
        records = parse_results(text, json_lines)
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise InputError(f"{path}: not a results file of smtpwizard batch.", "results") from None
    return BatchResults(path, tuple(ResultRow.of(n, r) for n, r in enumerate(records, 1)))
