"""The results file of `smtpwizard batch`: one row per account, in the accounts file's order.

Rows are written as soon as they and every row before them are done, one write and flush each,
so a Ctrl-C or even a kill leaves a valid file holding a prefix of the accounts: `--resume`
counts its rows, checks they are the same accounts, and goes on after them. A line cut short by
a kill mid-write is dropped on resume. CSV (a header row) or JSON lines (--json).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import InputError
from .batch_input import BatchRow
from .batch_run import BatchResult

__all__ = [
    "OUTPUT_COLUMNS",
    "ResultsWriter",
    "SummaryLine",
    "parse_results",
    "read_done",
    "summarise",
]

OUTPUT_COLUMNS = ("email", "host", "port", "security", "ok", "code", "title", "fix", "seconds")


def _csv_line(values: Sequence[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


def _line(result: BatchResult, json_lines: bool) -> str:
    record = result.record()
    if json_lines:
        return json.dumps(record, ensure_ascii=False) + "\n"
    record["ok"] = "true" if record["ok"] else "false"
    return _csv_line(list(record.values()))


class ResultsWriter:
    """Writes results in row order; `first` is the number of the first row still to write."""

    def __init__(self, path: Path, *, json_lines: bool, first: int = 1) -> None:
        self._next = first
        self._waiting: dict[int, BatchResult] = {}
        self._json = json_lines
        fresh = first == 1
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if fresh else os.O_APPEND)
        # Owner only: the file lists people's addresses.
        self._file: IO[str] = os.fdopen(os.open(path, flags, 0o600), "w", encoding="utf-8")
        if fresh and not json_lines:
            self._write(_csv_line(OUTPUT_COLUMNS))

    def _write(self, text: str) -> None:
        self._file.write(text)
        self._file.flush()

    def add(self, result: BatchResult) -> None:
        self._waiting[result.number] = result
        while self._next in self._waiting:
            self._write(_line(self._waiting.pop(self._next), self._json))
            self._next += 1

    @property
    def written(self) -> int:
        """Rows in the file so far (including those of the run being resumed)."""
        return self._next - 1

    def close(self) -> None:
        self._file.close()


def read_done(path: Path, rows: Sequence[BatchRow], *, json_lines: bool) -> list[dict[str, Any]]:
    """The records a results file already holds for `rows` (for --resume); InputError if the
    file is not this batch's results. A last line cut short by a kill is removed from the file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc}).", "output") from None
    complete = data[: data.rfind(b"\n") + 1]
    if len(complete) != len(data):
        with open(path, "r+b") as handle:
            handle.truncate(len(complete))
    try:
        records = parse_results(complete.decode("utf-8"), json_lines)
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise InputError(f"{path}: not a results file of smtpwizard batch.", "output") from None
    if len(records) > len(rows):
        raise InputError(f"{path} has more rows than the accounts file.", "output")
    for number, (record, row) in enumerate(zip(records, rows, strict=False), 1):
        if record["email"] != row.email:
            raise InputError(
                f"{path} row {number} is {record['email']}, but the accounts file has "
                f"{row.email} there: these are not its results (start again without --resume).",
                "output",
            )
    return records


def parse_results(text: str, json_lines: bool) -> list[dict[str, Any]]:
    """Records of a results file's text; ValueError (or KeyError/TypeError) if it is not one."""
    if json_lines:
        out = [json.loads(line) for line in text.splitlines()]
        if not all(isinstance(r, dict) and set(OUTPUT_COLUMNS) <= set(r) for r in out):
            raise ValueError("not results")
        return out
    lines = list(csv.reader(io.StringIO(text, newline="")))
    if not lines:
        return []
    if tuple(lines[0]) != OUTPUT_COLUMNS or any(len(line) != len(OUTPUT_COLUMNS) for line in lines):
        raise ValueError("not results")
    return [
        {**dict(zip(OUTPUT_COLUMNS, line, strict=True)), "ok": line[4] == "true"}
        for line in lines[1:]
    ]


@dataclass(frozen=True, slots=True)
class SummaryLine:
    code: str
    count: int
    title: str
    fix: str


def summarise(records: Sequence[dict[str, Any]]) -> list[SummaryLine]:
    """Results (BatchResult.record() or read back) grouped by code, failures first, most common
    first."""
    counts = Counter(str(r["code"]) for r in records)
    first: dict[str, dict[str, Any]] = {}
    for r in records:
        first.setdefault(str(r["code"]), r)
    lines = [
        SummaryLine(code, n, str(first[code]["title"]), str(first[code]["fix"]))
        for code, n in counts.items()
    ]
    return sorted(lines, key=lambda line: (line.code == "ok", -line.count, line.code))
