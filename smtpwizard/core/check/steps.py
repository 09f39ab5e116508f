"""The steps of a live check, their plain-language labels, and the progress events they emit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..servertext import clean


class StepName(StrEnum):
    RESOLVE = "resolve"
    CONNECT = "connect"
    TLS = "tls"
    GREETING = "greeting"
    EHLO = "ehlo"
    STARTTLS = "starttls"
    EHLO_SECURE = "ehlo_secure"
    AUTH = "auth"
    MAIL_FROM = "mail_from"
    RCPT_TO = "rcpt_to"
    DATA = "data"
    QUIT = "quit"

    @property
    def label(self) -> str:
        return STEP_LABELS[self]


STEP_LABELS = {
    StepName.RESOLVE: "Finding the server",
    StepName.CONNECT: "Connecting",
    StepName.TLS: "Securing the connection (SSL/TLS)",
    StepName.GREETING: "Waiting for the server's greeting",
    StepName.EHLO: "Introducing ourselves",
    StepName.STARTTLS: "Securing the connection (STARTTLS)",
    StepName.EHLO_SECURE: "Introducing ourselves over the secure connection",
    StepName.AUTH: "Signing in",
    StepName.MAIL_FROM: "Checking the sender address",
    StepName.RCPT_TO: "Checking the recipient address",
    StepName.DATA: "Sending the test message",
    StepName.QUIT: "Saying goodbye",
}


class StepStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(slots=True)
class StepResult:
    name: StepName
    status: StepStatus = StepStatus.PENDING
    duration: float | None = None  # seconds
    detail: str = ""

    @property
    def label(self) -> str:
        return self.name.label

    def snapshot(self) -> StepResult:
        """A copy (every field): progress events carry these. A probe of many ports makes
        hundreds, and dataclasses.replace() costs several times this direct call."""
        return StepResult(self.name, self.status, self.duration, self.detail)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name.value,
            "label": self.label,
            "status": self.status.value,
            "duration": None if self.duration is None else round(self.duration, 4),
            "detail": clean(self.detail),
        }


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """Sent whenever a step changes; `steps` is the whole list so far, in order (or () when
    CheckOptions.progress_steps is False)."""

    step: StepResult
    steps: tuple[StepResult, ...]
    elapsed: float


ProgressCallback = Callable[[ProgressEvent], None]
