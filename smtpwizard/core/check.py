"""The live check: connect, secure, greet, sign in and optionally send, step by step, explained.

`run_check` is the one entry point. It never raises for a server problem: every outcome ends
in a CheckResult with a Diagnosis. It raises InputError for unusable input (before any network
traffic) and CancelledError when cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

import aiosmtplib

from . import diagnosis as dx
from .check_failures import StepFailure, classify_connect_error, classify_exception
from .check_probes import fetch_certificate, looks_like_implicit_tls, reads_plain_greeting
from .diagnosis import Diagnosis, DiagnosisContext
from .diagnosis_catalogue import CATALOGUE
from .inputs import parse_email, refuse_control_characters
from .network import open_tcp
from .resolve import ResolveError, ResolverConfig, resolve_host
from .settings import Security, ServerSettings
from .steps import ProgressCallback, ProgressEvent, StepName, StepResult, StepStatus
from .tlsinfo import TlsInfo, make_client_context, tls_info_from
from .tracing_smtp import TracingSMTP
from .transcript import Transcript, printable

TEST_SUBJECT = "smtpwizard test message"


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


def validate_for_wire(
    settings: ServerSettings, options: CheckOptions, password: str | None
) -> None:
    """Refuse, before any traffic, values that could inject SMTP commands."""
    refuse_control_characters(settings.host, "server name", "host")
    if settings.username is not None:
        refuse_control_characters(settings.username, "username", "username")
    if password is not None and "\x00" in password:
        raise dx_input("The password contains a NUL character, which cannot be sent.")
    if options.send_to is not None:
        parse_email(options.send_to, "send_to")
    if options.mail_from is not None:
        parse_email(options.mail_from, "mail_from")
    if not 1 <= settings.port <= 65535:
        raise dx_input(f"The port must be between 1 and 65535, not {settings.port}.")


def dx_input(message: str) -> Exception:
    from .errors import InputError

    return InputError(message)


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
        raise dx_input("To send a test message, give a sender address (--from).")
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
            await self._implicit_tls_and_greeting(sock)
        else:
            await self._plain_greeting(sock)

        async with self.step(StepName.EHLO, self.limits.command) as step:
            await self.smtp.ehlo()
            self._record_extensions()
            step.detail = self._extensions_summary()

        if settings.security is Security.STARTTLS:
            await self._starttls()
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

    async def _implicit_tls_and_greeting(self, sock: Any) -> None:
        assert self.smtp is not None
        async with self.step(StepName.TLS, self.limits.tls) as step:
            try:
                greeting = await self.smtp.connect(sock=sock, timeout=self.limit(self.limits.tls))
            except aiosmtplib.SMTPConnectResponseError as exc:
                self._note_tls(step)
                raise StepFailure(
                    StepName.GREETING,
                    dx.classify_reply("greeting", exc.code, exc.message, self.context),
                ) from exc
            except aiosmtplib.SMTPConnectError as exc:
                await self._raise_tls_connect_failure(exc)
            self._note_tls(step)
        greeting_step = self.steps[StepName.GREETING]
        greeting_step.status = StepStatus.OK
        greeting_step.duration = 0.0
        greeting_step.detail = self._record_greeting(greeting)
        self._emit(greeting_step)

    async def _raise_tls_connect_failure(self, exc: aiosmtplib.SMTPConnectError) -> None:
        cause = exc.__cause__
        if isinstance(cause, ssl.SSLError) and not isinstance(cause, ssl.SSLCertVerificationError):
            reason = (cause.reason or "").upper()
            if reason in (
                "WRONG_VERSION_NUMBER",
                "UNKNOWN_PROTOCOL",
                "RECORD_LAYER_FAILURE",
                "HTTP_REQUEST",
            ):
                # A TLS hello answered in plain text: confirm it is an SMTP greeting.
                plain = await reads_plain_greeting(
                    self.address or "", self.settings.port, self.limit(3.0)
                )
                if plain:
                    self.transcript.note("the port answered our TLS hello in plain text: " + plain)
                    raise StepFailure(
                        StepName.TLS,
                        dx.make(
                            "wrong_security",
                            self.context,
                            step="tls",
                            suggestion={"security": "starttls"},
                            explanation=(
                                "Port {port} on {host} starts unencrypted and switches to "
                                "encryption with STARTTLS, but the chosen setting was SSL/TLS, "
                                "which encrypts from the very first byte."
                            ),
                            technical=str(cause),
                        ),
                    ) from exc
        failure = classify_exception(StepName.TLS, exc, self.context)
        if failure.code.startswith("cert_"):
            failure = await self._certificate_failure(StepName.TLS, failure)
        raise StepFailure(StepName.TLS, failure) from exc

    async def _plain_greeting(self, sock: Any) -> None:
        assert self.smtp is not None
        async with self.step(StepName.GREETING, self.limits.greeting) as step:
            connect = asyncio.ensure_future(
                self.smtp.connect(sock=sock, timeout=self.limit(self.limits.greeting))
            )
            sniff: asyncio.Task[bool] | None = None
            try:
                first: set[asyncio.Future[Any]] = {connect}
                done, _ = await asyncio.wait(first, timeout=self.limits.silent_greeting)
                if not done:
                    self.transcript.note(
                        "the server is silent; checking whether it expects SSL/TLS"
                    )
                    sniff = asyncio.create_task(
                        looks_like_implicit_tls(
                            self.address or "", self.settings.port, self.limit(3.0)
                        )
                    )
                    done, _ = await asyncio.wait(
                        {connect, sniff}, return_when=asyncio.FIRST_COMPLETED
                    )
                    if connect not in done and sniff in done and sniff.result():
                        raise StepFailure(
                            StepName.GREETING,
                            dx.make(
                                "wrong_security",
                                self.context,
                                step="greeting",
                                suggestion={"security": "tls"},
                                explanation=(
                                    "Port {port} on {host} expects encryption from the very first "
                                    "byte (SSL/TLS), so it stays silent while waiting for it. The "
                                    "chosen setting was {security}."
                                ),
                                technical="silent greeting; TLS on a 2nd connection worked",
                            ),
                        )
                    if connect not in done and sniff in done:
                        self.transcript.note("not SSL/TLS either; still waiting for the greeting")
                greeting = await connect
            except aiosmtplib.SMTPConnectResponseError as exc:
                raise StepFailure(
                    StepName.GREETING,
                    dx.classify_reply("greeting", exc.code, exc.message, self.context),
                ) from exc
            finally:
                for task in (connect, sniff):
                    if task is not None and not task.done():
                        task.cancel()
                        with contextlib.suppress(BaseException):
                            await task
            step.detail = self._record_greeting(greeting)

    def _record_greeting(self, greeting: aiosmtplib.SMTPResponse) -> str:
        self.server.banner = printable(greeting.message)
        self.transcript.server(greeting.code, greeting.message)
        return dx.shorten(f"{greeting.code} {self.server.banner}", 120)

    def _note_tls(self, step: StepResult) -> None:
        assert self.smtp is not None
        ssl_object = self.smtp.get_transport_info("ssl_object")
        self.tls = tls_info_from(ssl_object, pinned=self.pinned)
        if self.tls is None:
            return
        if self.pinned:
            self._check_pin(step.name)
        cert = self.tls.certificate
        step.detail = f"{self.tls.version}, {self.tls.cipher}"
        if cert is not None:
            step.detail += f"; certificate for {', '.join(cert.san_names[:3]) or cert.subject}"
        self.transcript.note(f"secured: {step.detail}")

    def _check_pin(self, name: StepName) -> None:
        assert self.tls is not None
        cert = self.tls.certificate
        seen = cert.fingerprint_sha256 if cert else "none"
        if seen != self.settings.trusted_fingerprint:
            if cert is not None:
                self.certificate_seen = cert.to_dict()
            raise StepFailure(
                name,
                dx.make(
                    "cert_changed",
                    self.context,
                    step=name.value,
                    fingerprint=cert.fingerprint_display if cert else "none",
                    suggestion={"trusted_fingerprint": seen} if cert else None,
                    needs_consent=True,
                    technical=f"pinned {self.settings.trusted_fingerprint}, got {seen}",
                ),
            )

    async def _starttls(self) -> None:
        assert self.smtp is not None
        async with self.step(StepName.STARTTLS, self.limits.tls) as step:
            if not self.smtp.supports_extension("starttls"):
                raise StepFailure(
                    StepName.STARTTLS,
                    dx.make(
                        "starttls_unavailable",
                        self.context,
                        step="starttls",
                        technical="STARTTLS is not in the server's EHLO reply",
                    ),
                )
            try:
                await self.smtp.traced_starttls(
                    server_hostname=self.settings.host,
                    tls_context=self.tls_context,
                    timeout=self.limit(self.limits.tls),
                )
            except aiosmtplib.SMTPResponseException as exc:
                raise StepFailure(
                    StepName.STARTTLS,
                    dx.make(
                        "starttls_unavailable",
                        self.context,
                        step="starttls",
                        explanation=(
                            "{host} offered encryption (STARTTLS) but then refused to start it "
                            '("{reply}"). We stopped before signing in.'
                        ),
                        fix="Try port 465 with SSL/TLS, or try again later: the server may have a "
                        "temporary problem.",
                        reply=f"{exc.code} {exc.message}",
                        technical=f"{exc.code} {exc.message}",
                    ),
                ) from exc
            except (ssl.SSLError, aiosmtplib.SMTPException, OSError) as exc:
                failure = classify_exception(StepName.STARTTLS, exc, self.context)
                if failure.code.startswith("cert_"):
                    failure = await self._certificate_failure(StepName.STARTTLS, failure)
                raise StepFailure(StepName.STARTTLS, failure) from exc
            self._note_tls(step)

    async def _certificate_failure(self, name: StepName, failure: Diagnosis) -> Diagnosis:
        """Look at the certificate that failed (on a new connection) so we can show and suggest."""
        cert = await fetch_certificate(
            self.address or self.settings.host,
            self.settings.port,
            self.settings.security,
            self.settings.host,
            self.limit(5.0),
        )
        if cert is None:
            return failure
        self.certificate_seen = cert.to_dict()
        self.transcript.note(
            f"certificate: subject {cert.subject}, issuer {cert.issuer}, names "
            f"{', '.join(cert.san_names) or '(none)'}, valid until {cert.not_after:%Y-%m-%d}, "
            f"SHA-256 {cert.fingerprint_display}"
        )
        common: dict[str, Any] = {"step": name.value, "technical": failure.technical}
        if failure.code == "cert_hostname_mismatch":
            names = [n for n in cert.san_names if not n.startswith("*.")]
            shown = ", ".join(cert.san_names) or cert.subject
            return dx.make(
                "cert_hostname_mismatch",
                self.context,
                names=shown,
                suggestion={"host": names[0]} if names else None,
                fix=(
                    f"Use {names[0]} as the server name instead."
                    if names
                    else "Ask your provider which server name matches its certificate ("
                    + shown
                    + ")."
                ),
                **common,
            )
        if failure.code == "cert_expired":
            return dx.make(
                "cert_expired", self.context, not_after=f"{cert.not_after:%d %B %Y}", **common
            )
        if failure.code == "cert_untrusted":
            return dx.make(
                "cert_untrusted",
                self.context,
                suggestion={"trusted_fingerprint": cert.fingerprint_sha256},
                needs_consent=True,
                fingerprint=cert.fingerprint_display,
                **common,
            )
        return failure

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
