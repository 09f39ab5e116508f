"""Progress of `smtpwizard batch`: a rich progress bar on a terminal, plain lines otherwise.

The bar shows done/total, failures so far, the rate and the time left; without a terminal
(a log, CI, a pipe) a plain line every few seconds says the same.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

PLAIN_EVERY = 5.0  # seconds between plain progress lines


class PlainProgress:
    def __init__(self, total: int, done: int, failed: int, stream: TextIO) -> None:
        self.total, self.done, self.failed = total, done, failed
        self._start_done = done
        self._stream = stream
        self._began = time.monotonic()
        self._last = self._began

    def _rate(self) -> float:
        took = time.monotonic() - self._began
        return (self.done - self._start_done) / took if took > 0 else 0.0

    def line(self) -> str:
        rate = self._rate()
        left = (self.total - self.done) / rate if rate > 0 else None
        tail = (
            f", about {_duration(left)} left" if left is not None and self.done < self.total else ""
        )
        return (
            f"batch: {self.done}/{self.total} done, {self.failed} failed, "
            f"{rate:.1f} per second{tail}"
        )

    def update(self, ok: bool) -> None:
        self.done += 1
        self.failed += 0 if ok else 1
        now = time.monotonic()
        if now - self._last >= PLAIN_EVERY or self.done == self.total:
            self._last = now
            print(self.line(), file=self._stream, flush=True)

    def close(self) -> None:
        pass


class RichProgress(PlainProgress):
    def __init__(self, total: int, done: int, failed: int, stream: TextIO) -> None:
        super().__init__(total, done, failed, stream)
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("Checking"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failed"),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=Console(file=stream),
            transient=False,
        )
        self._task = self._bar.add_task("batch", total=total, completed=done, **self._fields())
        self._bar.start()

    def _fields(self) -> dict[str, Any]:
        return {"failed": self.failed, "rate": f"{self._rate():.1f}/s"}

    def update(self, ok: bool) -> None:
        self.done += 1
        self.failed += 0 if ok else 1
        self._bar.update(self._task, completed=self.done, **self._fields())

    def close(self) -> None:
        self._bar.stop()


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def make_progress(total: int, *, done: int = 0, failed: int = 0) -> PlainProgress:
    stream = sys.stderr
    if stream.isatty():
        return RichProgress(total, done, failed, stream)
    return PlainProgress(total, done, failed, stream)
