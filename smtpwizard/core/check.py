"""The live check: connect, secure, greet, sign in and optionally send, step by step, explained.

`run_check` is the one entry point. It never raises for a server problem: every outcome ends
in a CheckResult with a Diagnosis. It raises InputError for unusable input (before any network
traffic) and CancelledError when cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import aiosmtplib

from . import diagnosis as dx
from .check_failures import StepFailure, classify_connect_error, classify_exception
from .check_model import CheckOptions, CheckResult, ServerInfo, StepLimits, planned_steps
from .check_secure import implicit_tls_and_greeting, plain_greeting, starttls
from .diagnosis import Diagnosis, DiagnosisContext
from .diagnosis_catalogue import CATALOGUE
from .errors import InputError
from .inputs import parse_email, refuse_control_characters
from .network import open_tcp
from .resolve import ResolveError, resolve_host
from .settings import Security, ServerSettings
from .steps import ProgressCallback, ProgressEvent, StepName, StepResult, StepStatus
from .tlsinfo import TlsInfo, make_client_context
from .tracing_smtp import TracingSMTP
from .transcript import Transcript, printable

__all__ = [
    "CheckOptions",
    "CheckResult",
    "ServerInfo",
    "StepLimits",
    "planned_steps",
    "run_check",
    "validate_for_wire",
]


def validate_for_wire(
    settings: ServerSettings, options: CheckOptions, password: str | None
) -> None:
    """Refuse, before any traffic, values that could inject SMTP commands."""
    refuse_control_characters(settings.host, "server name", "host")
    if settings.username is not None:
        refuse_control_characters(settings.username, "username", "username")
    if password is not None and "\x00" in password:
        raise InputError("The password contains a NUL character, which cannot be sent.", "password")
    if options.send_to is not None:
        parse_email(options.send_to, "send_to")
    if options.mail_from is not None:
        parse_email(options.mail_from, "mail_from")
    if not 1 <= settings.port <= 65535:
        raise InputError(f"The port must be between 1 and 65535, not {settings.port}.", "port")


async def run_check(
    settings: ServerSettings,
    *,
    password: str | None = None,
    options: CheckOptions | None = None,
    progress: ProgressCallback | None = None,
) -> CheckResult:
    options = options or CheckOptions()
    validate_for_wire(settings, options, password)
    if options.send_to and not (options.mail_from or (settings.username or "").count("@") == 1):
        raise InputError("To send a test message, give a sender address (--from).", "mail_from")
    run = _CheckRun(settings, password, options, progress)
    return await run.execute()


class _CheckRun:
    def __init__(
        self,
        settings: ServerSettings,
        password: str | None,
        options: CheckOptions,
        progress: ProgressCallback | None,
    ) -> None:
        self.settings = settings
        self.password = password
        self.options = options
        self.limits = options.limits
        self.progress = progress
        self.transcript = Transcript()
        self.transcript.add_secret(password)
        self.context = DiagnosisContext(settings)
        self.server = ServerInfo()
        self.tls: TlsInfo | None = None
        self.certificate_seen: dict[str, Any] | None = None
        self.with_auth = bool(settings.username)
        names = planned_steps(settings, with_auth=self.with_auth, send=bool(options.send_to))
        self.steps = {name: StepResult(name) for name in names}
        self.start = time.monotonic()
        self.deadline = self.start + options.timeout
        self.smtp: TracingSMTP | None = None
        self.message_sent = False
        self.address: str | None = None
        self.pinned = settings.trusted_fingerprint is not None
        self.tls_context = make_client_context(options.ca_file, pinned=self.pinned)

    # -- bookkeeping -------------------------------------------------------------------------

    def _emit(self, step: StepResult) -> None:
        if self.progress is not None:
            # Snapshots: the receiver may keep events while the steps go on changing.
            event = ProgressEvent(
                replace(step),
                tuple(replace(s) for s in self.steps.values()),
                time.monotonic() - self.start,
            )
            self.progress(event)

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def limit(self, step_limit: float) -> float:
        return max(0.05, min(step_limit, self.remaining()))

    @contextlib.asynccontextmanager
    async def step(self, name: StepName, limit: float) -> AsyncIterator[StepResult]:
        step = self.steps[name]
        step.status = StepStatus.RUNNING
        self._emit(step)
        began = time.monotonic()
        try:
            async with asyncio.timeout(self.limit(limit)):
                yield step
        except TimeoutError as exc:
            step.status = StepStatus.FAILED
            step.duration = time.monotonic() - began
            overall = self.remaining() <= 0.05
            raise StepFailure(name, self._timeout_diagnosis(name, overall)) from exc
        except StepFailure:
            step.status = StepStatus.FAILED
            step.duration = time.monotonic() - began
            raise
        except asyncio.CancelledError:
            step.status = StepStatus.FAILED
            step.detail = "stopped"
            step.duration = time.monotonic() - began
            self._emit(step)
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
                self._emit(step)

    def _timeout_diagnosis(self, name: StepName, overall: bool) -> Diagnosis:
        waited = "the overall time limit" if overall else "the time limit for this step"
        if name in (StepName.RESOLVE,):
            return dx.make(
                "timeout",
                self.context,
                step=name.value,
                explanation="Looking up {host} took longer than " + waited + ".",
                fix="Check your internet connection and the server name, then try again.",
                technical=f"timeout during {name.value}",
            )
        if name in (StepName.CONNECT,):
            return dx.make("timeout", self.context, step=name.value, technical="connect timeout")
        if name is StepName.GREETING:
            return dx.make(
                "timeout",
                self.context,
                step=name.value,
                explanation=(
                    "{host} accepted the connection on port {port} but never greeted us. Either "
                    "something in between blocks mail traffic, or the server is overloaded."
                ),
                technical="no greeting before the deadline",
            )
        return dx.make(
            "timeout",
            self.context,
            step=name.value,
            explanation=(
                '{host} stopped answering while we were at the step "' + name.label.lower() + '".'
            ),
            fix="Try again in a moment. If it keeps happening, try another port (587, 465, 2525).",
            technical=f"timeout during {name.value}",
        )

    # -- the run -----------------------------------------------------------------------------

    async def execute(self) -> CheckResult:
        diagnosis: Diagnosis
        try:
            for step in self.steps.values():
                self._emit(step)
            diagnosis = await self._conversation()
        except StepFailure as failure:
            diagnosis = failure.diagnosis
            self.transcript.note(f"stopped: {diagnosis.code} ({diagnosis.technical})")
            await self._after_failure(failure)
        finally:
            self._close()
        for step in self.steps.values():
            if step.status is StepStatus.PENDING:
                step.status = StepStatus.SKIPPED
        return CheckResult(
            settings=self.settings,
            steps=list(self.steps.values()),
            diagnosis=diagnosis,
            server=self.server,
            tls=self.tls,
            transcript=self.transcript.lines,
            duration=time.monotonic() - self.start,
            message_sent=self.message_sent,
            certificate_seen=self.certificate_seen,
        )

    def _close(self) -> None:
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None

    async def _conversation(self) -> Diagnosis:
        settings = self.settings
        async with self.step(StepName.RESOLVE, self.limits.resolve) as step:
            try:
                resolution = await resolve_host(
                    settings.host,
                    settings.port,
                    self.options.resolver,
                    self.limit(self.limits.resolve),
                )
            except ResolveError as exc:
                code = {"not_found": "dns_not_found", "timeout": "timeout"}.get(
                    exc.kind, "dns_not_found"
                )
                raise StepFailure(
                    StepName.RESOLVE,
                    dx.make(code, self.context, step="resolve", technical=exc.detail),
                ) from exc
            step.detail = resolution.how

        async with self.step(StepName.CONNECT, self.limits.connect) as step:
            sock, self.address, errors = await open_tcp(resolution.addresses, settings.port)
            if sock is None:
                raise StepFailure(StepName.CONNECT, classify_connect_error(errors, self.context))
            self.server.address = self.address
            step.detail = f"connected to {self.address} port {settings.port}"

        self.smtp = TracingSMTP(
            self.transcript,
            # The socket is already connected (so 'connect' is a step of its own); the hostname
            # is what the certificate is verified against.
            hostname=settings.host,
            # Explicit modes only, never aiosmtplib's opportunistic default. For STARTTLS the
            # upgrade is done below as its own step and is mandatory (as start_tls=True would be):
            # no STARTTLS offered means we stop before anything else is sent.
            use_tls=settings.security is Security.TLS,
            start_tls=False,
            tls_context=self.tls_context,
            local_hostname=_ehlo_name(sock.getsockname()[0]),
            timeout=self.limits.greeting,
        )
        if settings.security is Security.TLS:
            await implicit_tls_and_greeting(self, sock)
        else:
            await plain_greeting(self, sock)

        async with self.step(StepName.EHLO, self.limits.command) as step:
            await self.smtp.ehlo()
            self._record_extensions()
            step.detail = self._extensions_summary()

        if settings.security is Security.STARTTLS:
            await starttls(self)
            async with self.step(StepName.EHLO_SECURE, self.limits.command) as step:
                await self.smtp.ehlo()
                self._record_extensions()
                step.detail = self._extensions_summary()

        if self.with_auth:
            await self._authenticate()

        if self.options.send_to:
            await self._send_test_message()

        async with self.step(StepName.QUIT, self.limits.quit) as step:
            try:
                await self.smtp.quit(timeout=self.limit(self.limits.quit))
                step.detail = "closed politely"
            except (aiosmtplib.SMTPException, OSError):
                step.detail = "the server closed the connection first (harmless)"
        if self.message_sent:
            entry = CATALOGUE["ok"]
            return dx.make(
                "ok",
                self.context,
                explanation=entry.explanation
                + " A short test message went to {send_to}; it should arrive within a minute.",
                send_to=self.options.send_to,
            )
        return dx.make("ok", self.context, step=None)

    def _record_extensions(self) -> None:
        assert self.smtp is not None
        self.server.extensions = {k: printable(v) for k, v in self.smtp.esmtp_extensions.items()}
        self.server.auth_mechanisms = [m.upper() for m in self._offered_mechanisms()]
        size = self.server.extensions.get("size", "").strip()
        self.server.size_limit = int(size) if size.isdigit() else None

    def _offered_mechanisms(self) -> list[str]:
        assert self.smtp is not None
        auth = self.smtp.esmtp_extensions.get("auth", "")
        return [m for m in printable(auth).split() if m]

    def _extensions_summary(self) -> str:
        ext = self.server.extensions
        parts = []
        encrypted = self.smtp is not None and self.smtp.get_transport_info("sslcontext")
        if "starttls" in ext:
            parts.append("offers STARTTLS")
        if self.server.auth_mechanisms:
            parts.append("sign-in with " + ", ".join(self.server.auth_mechanisms))
        elif "starttls" in ext and not encrypted:
            parts.append("sign-in is offered once the connection is encrypted")
        elif "auth" not in ext:
            parts.append("no sign-in offered")
        if self.server.size_limit:
            parts.append(f"messages up to {self.server.size_limit // 1_000_000} MB")
        return "; ".join(parts) or "the server answered"

    async def _authenticate(self) -> None:
        from .check_auth import authenticate

        assert self.smtp is not None
        async with self.step(StepName.AUTH, self.limits.auth) as step:
            step.detail = await authenticate(self, step)

    async def _send_test_message(self) -> None:
        from .check_send import send_test_message

        await send_test_message(self)

    async def _after_failure(self, failure: StepFailure) -> None:
        """Leave politely when the conversation is still usable; never wait long for it."""
        if self.smtp is None or not self.smtp.is_connected:
            return
        if failure.name in (StepName.TLS, StepName.STARTTLS, StepName.GREETING):
            return
        with contextlib.suppress(Exception):
            async with asyncio.timeout(min(1.0, self.remaining() + 0.5)):
                await self.smtp.quit()


def _ehlo_name(local_ip: str) -> str:
    # An address literal is always a valid EHLO argument and needs no reverse DNS lookup.
    return f"[IPv6:{local_ip}]" if ":" in local_ip else f"[{local_ip}]"
