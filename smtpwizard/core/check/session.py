"""One check's state and bookkeeping: the steps, their deadlines, progress and what the server said.

The securing, sign-in and sending modules each drive one CheckSession; the conversation that
orders them lives in run.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import aiosmtplib

from .. import diagnosis as dx
from ..diagnosis import Diagnosis, DiagnosisContext
from ..net.tlsinfo import TlsInfo, make_client_context
from ..servertext import printable
from ..settings import ServerSettings
from .connect import Connection, connected_steps
from .failures import StepFailure, classify_exception, step_timeout
from .model import CheckOptions, ServerInfo, planned_steps
from .steps import ProgressCallback, ProgressEvent, StepName, StepResult, StepStatus
from .tracing_smtp import TracingSMTP
from .transcript import Transcript

__all__ = ["CheckSession"]


class CheckSession:
    def __init__(
        self,
        settings: ServerSettings,
        password: str | None,
        options: CheckOptions,
        progress: ProgressCallback | None,
        access_token: str | None = None,
        connection: Connection | None = None,
    ) -> None:
        self.settings = settings
        self.password = password
        # An OAuth2 access token signs in instead of the password (check/oauth_sasl.py).
        self.access_token = access_token
        self.options = options
        self.limits = options.limits
        self.progress = progress
        self.transcript = Transcript()
        # The password is registered when it is sent (auth.py), so nothing said before is
        # scrubbed (no redaction oracle); a token is long and random: scrubbed from the start.
        self.transcript.add_secret(access_token)
        self.context = DiagnosisContext(settings)
        self.server = ServerInfo()
        self.tls: TlsInfo | None = None
        self.certificate_seen: dict[str, Any] | None = None
        self.with_auth = bool(settings.username)
        names = planned_steps(settings, with_auth=self.with_auth, send=bool(options.send_to))
        self.steps = {name: StepResult(name) for name in names}
        # Connected before (connect.py): the check began when finding the server began.
        self.start = connection.began if connection else time.monotonic()
        self.deadline = self.start + options.timeout
        self.smtp: TracingSMTP | None = None
        self.socket: socket.socket | None = None  # connected; closed by smtp once it has one
        self.held = contextlib.AsyncExitStack()  # what the conversation holds (its admission)
        self.message_sent = False
        self.message_id: str | None = None  # of the test message, to find it in the mailbox
        self.address: str | None = None
        if connection is not None:
            for step in connected_steps(settings, connection):
                self.steps[step.name] = step
            self.socket, self.address = connection.socket, connection.address
            self.server.address = connection.address
        self.pinned = settings.trusted_fingerprint is not None
        self.tls_context = make_client_context(options.ca_file, pinned=self.pinned)
        self._cancels_before = _cancel_requests()

    # -- bookkeeping -------------------------------------------------------------------------

    def emit(self, step: StepResult) -> None:
        if self.progress is not None:
            # Snapshots: the receiver may keep events while the steps go on changing.
            steps = self.steps.values() if self.options.progress_steps else ()
            event = ProgressEvent(
                step.snapshot(), tuple([s.snapshot() for s in steps]), time.monotonic() - self.start
            )
            self.progress(event)

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def limit(self, step_limit: float) -> float:
        return max(0.05, min(step_limit, self.remaining()))

    def stop_if_cancelled(self) -> None:
        """Honour a cancellation that a library swallowed (Python 3.11's asyncio.wait_for does,
        when the reply it awaited completes in the same pass): no step starts after a stop."""
        if _cancel_requests() > self._cancels_before:
            raise asyncio.CancelledError

    @contextlib.asynccontextmanager
    async def step(self, name: StepName, limit: float) -> AsyncIterator[StepResult]:
        self.stop_if_cancelled()
        step = self.steps[name]
        step.status = StepStatus.RUNNING
        self.emit(step)
        began = time.monotonic()
        try:
            async with asyncio.timeout(self.limit(limit)):
                yield step
        except TimeoutError as exc:
            step.status = StepStatus.FAILED
            step.duration = time.monotonic() - began
            overall = self.remaining() <= 0.05
            raise StepFailure(name, self.timeout_diagnosis(name, overall)) from exc
        except StepFailure:
            step.status = StepStatus.FAILED
            step.duration = time.monotonic() - began
            raise
        except asyncio.CancelledError:
            step.status = StepStatus.FAILED
            step.detail = "stopped"
            step.duration = time.monotonic() - began
            self.emit(step)
            raise
        except (aiosmtplib.SMTPException, OSError) as exc:
            step.status = StepStatus.FAILED
            step.duration = time.monotonic() - began
            raise StepFailure(name, classify_exception(name, exc, self.context)) from exc
        else:
            step.status = StepStatus.OK
            step.duration = time.monotonic() - began
        finally:
            if step.status is StepStatus.FAILED and not step.detail:
                step.detail = "failed"
            if step.status is not StepStatus.RUNNING:
                self.emit(step)

    def timeout_diagnosis(self, name: StepName, overall: bool) -> Diagnosis:
        return step_timeout(name, self.context, self.limits, overall)

    # -- what the server offers ------------------------------------------------------------

    def record_extensions(self) -> None:
        assert self.smtp is not None
        self.server.extensions = {k: printable(v) for k, v in self.smtp.esmtp_extensions.items()}
        self.server.auth_mechanisms = [m.upper() for m in self.offered_mechanisms()]
        size = self.server.extensions.get("size", "").strip()
        self.server.size_limit = int(size) if size.isdigit() else None
        self.context.size_limit = self.server.size_limit
        self.context.auth_offered = self.context.auth_offered or bool(self.server.auth_mechanisms)

    def offered_mechanisms(self) -> list[str]:
        assert self.smtp is not None
        auth = self.smtp.esmtp_extensions.get("auth", "")
        return [m for m in printable(auth).split() if m]

    def extensions_summary(self) -> str:
        ext = self.server.extensions
        parts = []
        encrypted = self.smtp is not None and self.smtp.get_transport_info("sslcontext")
        if "starttls" in ext:
            parts.append("offers STARTTLS")
        if self.server.auth_mechanisms:
            parts.append("sign-in with " + ", ".join(self.server.auth_mechanisms))
        elif "starttls" in ext and not encrypted:
            # Only the encrypted EHLO tells whether sign-in is offered at all (an MX never).
            parts.append("no sign-in offered before encryption")
        elif "auth" not in ext:
            parts.append("no sign-in offered")
        if self.server.size_limit:
            parts.append(f"messages up to {dx.describe_size(self.server.size_limit)}")
        return "; ".join(parts) or "the server answered"


def _cancel_requests() -> int:
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no running loop: a session built outside one (a unit test)
        return 0
    return task.cancelling() if task is not None else 0
