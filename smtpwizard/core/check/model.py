"""What a check takes and gives: limits, options, the server's facts, the result."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

from ..diagnosis import Diagnosis
from ..net.tlsinfo import TlsInfo
from ..settings import ResolverConfig, Security, ServerSettings
from .steps import StepName, StepResult


@dataclass(frozen=True, slots=True)
class StepLimits:
    """Seconds each step may take; the overall deadline caps them all."""

    resolve: float = 8.0
    connect: float = 10.0
    greeting: float = 20.0
    command: float = 10.0
    tls: float = 10.0
    auth: float = 15.0
    data: float = 30.0
    quit: float = 3.0
    # Silence this long before the greeting makes us test for implicit TLS on a second connection.
    silent_greeting: float = 1.5


@dataclass(frozen=True, slots=True)
class CheckOptions:
    timeout: float = 30.0  # overall deadline
    ca_file: str | None = None
    resolver: ResolverConfig = field(default_factory=ResolverConfig)
    send_to: str | None = None
    mail_from: str | None = None
    limits: StepLimits = field(default_factory=StepLimits)
    # Entered once the TCP connection is up, held until the check ends: the probe limits how
    # many conversations run at once, never how many connects (a firewalled port's connect
    # that never completes must not keep a working port from its turn). The wait for it is
    # not part of `timeout`; the caller bounds it (the probe's overall deadline).
    admission: Callable[[], AbstractAsyncContextManager[object]] | None = None
    # False: progress events carry only the step that changed (ProgressEvent.steps is ()).
    # The probe reads nothing else, and copying every step on every change was a tenth of
    # what its checks cost besides the network (bench/probe.py).
    progress_steps: bool = True


@dataclass(slots=True)
class ServerInfo:
    address: str | None = None
    banner: str = ""
    extensions: dict[str, str] = field(default_factory=dict)
    auth_mechanisms: list[str] = field(default_factory=list)
    size_limit: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "banner": self.banner,
            "extensions": self.extensions,
            "auth_mechanisms": self.auth_mechanisms,
            "size_limit": self.size_limit,
        }


@dataclass(slots=True)
class CheckResult:
    settings: ServerSettings
    steps: list[StepResult]
    diagnosis: Diagnosis
    server: ServerInfo
    tls: TlsInfo | None
    transcript: list[str]
    duration: float
    message_sent: bool = False
    message_id: str | None = None  # the test message's, for reading it back (deliverability)
    certificate_seen: dict[str, Any] | None = None  # details of a certificate that failed checks

    @property
    def ok(self) -> bool:
        return self.diagnosis.ok

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "settings": self.settings.to_dict(),
            "diagnosis": self.diagnosis.to_dict(),
            "steps": [step.to_dict() for step in self.steps],
            "server": self.server.to_dict(),
            "tls": self.tls.to_dict() if self.tls else None,
            "certificate_seen": self.certificate_seen,
            "transcript": self.transcript,
            "message_sent": self.message_sent,
            "message_id": self.message_id,
            "duration": round(self.duration, 3),
        }


def planned_steps(settings: ServerSettings, *, with_auth: bool, send: bool) -> list[StepName]:
    steps = [StepName.RESOLVE, StepName.CONNECT]
    if settings.security is Security.TLS:
        steps.append(StepName.TLS)
    steps += [StepName.GREETING, StepName.EHLO]
    if settings.security is Security.STARTTLS:
        steps += [StepName.STARTTLS, StepName.EHLO_SECURE]
    if with_auth:
        steps.append(StepName.AUTH)
    if send:
        steps += [StepName.MAIL_FROM, StepName.RCPT_TO, StepName.DATA]
    steps.append(StepName.QUIT)
    return steps
