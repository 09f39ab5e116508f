"""What an exception at a given step means, as a Diagnosis."""

from __future__ import annotations

import errno
import ssl
from typing import Any

import aiosmtplib

from .. import diagnosis as dx
from ..diagnosis import THROTTLE_SILENT, Diagnosis, DiagnosisContext
from ..net.resolve import ResolveError
from .model import StepLimits
from .steps import StepName

# OpenSSL X509_V_ERR_* codes we explain differently.
_EXPIRED = {10}
_UNTRUSTED = {2, 18, 19, 20, 21, 27}
_MISMATCH = {62, 64}


class StepFailure(Exception):
    def __init__(self, name: StepName, diagnosis: Diagnosis) -> None:
        super().__init__(diagnosis.code)
        self.name = name
        self.diagnosis = diagnosis


def _root(exc: BaseException) -> BaseException:
    seen = 0
    while exc.__cause__ is not None and seen < 5:
        exc = exc.__cause__
        seen += 1
    return exc


def classify_certificate(
    name: StepName, err: ssl.SSLCertVerificationError, ctx: DiagnosisContext
) -> Diagnosis:
    code = err.verify_code
    message = err.verify_message or str(err)
    common: dict[str, Any] = {
        "step": name.value,
        "technical": f"certificate verify failed: {message}",
    }
    if code in _EXPIRED:
        return dx.make("cert_expired", ctx, not_after="(unknown date)", **common)
    if code in _MISMATCH or "hostname mismatch" in message.lower():
        return dx.make("cert_hostname_mismatch", ctx, names="other names", **common)
    if code in _UNTRUSTED or "self-signed" in message or "self signed" in message:
        return dx.make("cert_untrusted", ctx, fingerprint="(not available)", **common)
    return dx.make("cert_untrusted", ctx, fingerprint="(not available)", **common)


def classify_exception(name: StepName, exc: BaseException, ctx: DiagnosisContext) -> Diagnosis:
    root = _root(exc)
    step = name.value
    if isinstance(root, ssl.SSLCertVerificationError):
        return classify_certificate(name, root, ctx)
    if isinstance(root, ssl.SSLError):
        return dx.make("tls_handshake_failed", ctx, step=step, technical=str(root))
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        if exc.code == aiosmtplib.SMTPStatus.invalid_response:
            return _protocol(ctx, step, exc.message)
        return dx.classify_reply(step, exc.code, exc.message, ctx)
    if isinstance(exc, TimeoutError | aiosmtplib.SMTPTimeoutError):
        return dx.make("timeout", ctx, step=step, technical=str(exc) or "timeout")
    if name in (StepName.TLS, StepName.STARTTLS) and isinstance(
        exc, aiosmtplib.SMTPServerDisconnected | ConnectionError
    ):
        return dx.make(
            "tls_handshake_failed",
            ctx,
            step=step,
            explanation=(
                "{host} dropped the connection while we were setting up encryption. The server "
                "may not really support the encryption it offered, or something in between "
                "interfered."
            ),
            technical=str(exc),
        )
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected | ConnectionError):
        return dx.make(
            "protocol_error",
            ctx,
            step=step,
            explanation=(
                '{host} closed the connection unexpectedly at the step "'
                + name.label.lower()
                + '".'
            ),
            fix="Try again in a moment. If it keeps happening, check the port and encryption "
            "settings, or ask your provider.",
            technical=str(exc),
        )
    if isinstance(root, OSError):
        return _os_error(root, ctx, step)
    return _protocol(ctx, step, str(exc))


def _protocol(ctx: DiagnosisContext, step: str, message: str) -> Diagnosis:
    if "too long" in message.lower():
        return dx.make(
            "protocol_error",
            ctx,
            step=step,
            explanation=(
                "{host} sent an answer far longer than any mail server should (we stop reading "
                "after 32 KB). It is probably not a mail server, or it is misbehaving."
            ),
            technical=message,
        )
    return dx.make("protocol_error", ctx, step=step, technical=message)


def _os_error(err: OSError, ctx: DiagnosisContext, step: str) -> Diagnosis:
    technical = f"{type(err).__name__}: {err}"
    if isinstance(err, ConnectionRefusedError) or err.errno == errno.ECONNREFUSED:
        return dx.make("connection_refused", ctx, step=step, technical=technical)
    if err.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL, errno.ENETDOWN):
        return dx.make("network_unreachable", ctx, step=step, technical=technical)
    if err.errno == errno.ETIMEDOUT:
        return dx.make("timeout", ctx, step=step, technical=technical)
    return dx.make(
        "protocol_error",
        ctx,
        step=step,
        explanation="The connection to {host} failed: " + (err.strerror or str(err)) + ".",
        technical=technical,
    )


def classify_connect_error(errors: list[OSError], ctx: DiagnosisContext) -> Diagnosis:
    if not errors:
        return dx.make("dns_not_found", ctx, step="connect", technical="no address to connect to")
    # Refused on any address is the most informative answer.
    for err in errors:
        if isinstance(err, ConnectionRefusedError):
            return _os_error(err, ctx, "connect")
    return _os_error(errors[-1], ctx, "connect")


def resolve_failure(err: ResolveError, ctx: DiagnosisContext) -> Diagnosis:
    """A failed lookup: a name that does not exist is not the same as no answer at all."""
    if err.kind == "unavailable":
        return dx.make("offline", ctx, step="resolve", why=err.detail, technical=err.detail)
    if err.kind == "not_found":
        return dx.make("dns_not_found", ctx, step="resolve", technical=err.detail)
    return dx.make(
        "dns_not_found",
        ctx,
        step="resolve",
        explanation="Looking up {host} failed: " + err.detail + ".",
        fix="Check the server name and your internet connection, then try again.",
        technical=err.detail,
    )


def step_timeout(
    name: StepName, ctx: DiagnosisContext, limits: StepLimits, overall: bool
) -> Diagnosis:
    """A step that ran out of time: its own limit, or the whole check's (overall)."""
    waited = "the overall time limit" if overall else "the time limit for this step"
    if name is StepName.RESOLVE:
        # A resolver that does not answer is a DNS problem (offline, DNS down), not a
        # server that does not answer and not a wrong name.
        return dx.make(
            "offline",
            ctx,
            step=name.value,
            why="no name server answered within " + waited,
            technical=f"timeout during {name.value}",
        )
    if name in (StepName.CONNECT,):
        return dx.make("timeout", ctx, step=name.value, technical="connect timeout")
    if name is StepName.GREETING:
        return dx.make(
            "timeout",
            ctx,
            step=name.value,
            explanation=(
                "{host} accepted the connection on port {port} but never greeted us. Either "
                "something in between blocks mail traffic, or the server is overloaded."
            ),
            technical="no greeting before the deadline",
        )
    if name is StepName.AUTH and not overall:
        # Everything before answered at once; only the sign-in hangs: a server holding
        # sign-ins back after failures (Dovecot's penalty, real in tests/realservers/).
        return dx.make(
            "auth_throttled",
            ctx,
            step=name.value,
            throttle_what=THROTTLE_SILENT.format(seconds=f"{limits.auth:g}"),
            technical="no answer to AUTH before the step's time limit",
        )
    return dx.make(
        "timeout",
        ctx,
        step=name.value,
        explanation=(
            '{host} stopped answering while we were at the step "' + name.label.lower() + '".'
        ),
        fix="Try again in a moment. If it keeps happening, try another port (587, 465, 2525).",
        technical=f"timeout during {name.value}",
    )
