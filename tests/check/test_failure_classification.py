"""Units: what an exception at a given step means (check/failures.py), for the rarer paths the
lab servers reach only by chance: chained causes, certificate codes, errno values, disconnects."""

from __future__ import annotations

import errno
import ssl

import aiosmtplib
import pytest

from smtpwizard.core.check.failures import (
    classify_certificate,
    classify_connect_error,
    classify_exception,
)
from smtpwizard.core.check.steps import StepName
from smtpwizard.core.diagnosis import DiagnosisContext
from smtpwizard.core.settings import Security, ServerSettings


@pytest.fixture
def ctx() -> DiagnosisContext:
    return DiagnosisContext(ServerSettings("smtp.example.test", 587, Security.STARTTLS, "anna"))


def _cert_error(code: int, message: str) -> ssl.SSLCertVerificationError:
    err = ssl.SSLCertVerificationError(1, f"certificate verify failed: {message}")
    err.verify_code = code
    err.verify_message = message
    return err


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        (10, "certificate has expired", "cert_expired"),
        (62, "Hostname mismatch, certificate is not valid for 'x'", "cert_hostname_mismatch"),
        (0, "hostname mismatch", "cert_hostname_mismatch"),
        (18, "self-signed certificate", "cert_untrusted"),
        (20, "unable to get local issuer certificate", "cert_untrusted"),
        (0, "self signed certificate in chain", "cert_untrusted"),
        (50, "application verification failure", "cert_untrusted"),
    ],
)
def test_certificate_codes(ctx, code, message, expected):
    diagnosis = classify_certificate(StepName.STARTTLS, _cert_error(code, message), ctx)
    assert diagnosis.code == expected
    assert message in diagnosis.technical


def test_the_root_cause_is_found_through_a_chain(ctx):
    outer = aiosmtplib.SMTPConnectError("could not connect")
    middle = OSError("wrapped")
    outer.__cause__ = middle
    middle.__cause__ = _cert_error(10, "certificate has expired")
    assert classify_exception(StepName.TLS, outer, ctx).code == "cert_expired"


def test_a_cause_chain_that_loops_still_ends(ctx):
    a = aiosmtplib.SMTPException("a")
    b = aiosmtplib.SMTPException("b")
    a.__cause__, b.__cause__ = b, a
    assert classify_exception(StepName.EHLO, a, ctx).code == "protocol_error"


def test_other_tls_errors_are_a_failed_handshake(ctx):
    exc = ssl.SSLError(1, "[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version")
    diagnosis = classify_exception(StepName.TLS, exc, ctx)
    assert diagnosis.code == "tls_handshake_failed"


def test_an_invalid_response_and_a_too_long_one(ctx):
    invalid = aiosmtplib.SMTPResponseException(
        aiosmtplib.SMTPStatus.invalid_response, "Malformed SMTP response line"
    )
    assert classify_exception(StepName.EHLO, invalid, ctx).code == "protocol_error"
    too_long = aiosmtplib.SMTPResponseException(
        aiosmtplib.SMTPStatus.invalid_response, "Response too long"
    )
    diagnosis = classify_exception(StepName.GREETING, too_long, ctx)
    assert diagnosis.code == "protocol_error"
    assert "32 KB" in diagnosis.explanation


def test_timeouts(ctx):
    assert classify_exception(StepName.AUTH, TimeoutError(), ctx).code == "timeout"
    assert (
        classify_exception(StepName.EHLO, aiosmtplib.SMTPTimeoutError("slow"), ctx).code
        == "timeout"
    )


def test_a_disconnect_while_securing_is_a_failed_handshake(ctx):
    for name in (StepName.TLS, StepName.STARTTLS):
        exc = aiosmtplib.SMTPServerDisconnected("gone")
        diagnosis = classify_exception(name, exc, ctx)
        assert diagnosis.code == "tls_handshake_failed"
        assert "dropped the connection while we were setting up encryption" in (
            diagnosis.explanation
        )


def test_a_disconnect_elsewhere_names_the_step(ctx):
    diagnosis = classify_exception(StepName.MAIL_FROM, ConnectionResetError(104, "reset"), ctx)
    assert diagnosis.code == "protocol_error"
    assert StepName.MAIL_FROM.label.lower() in diagnosis.explanation


@pytest.mark.parametrize(
    ("err", "expected"),
    [
        (OSError(errno.ENETUNREACH, "Network is unreachable"), "network_unreachable"),
        (OSError(errno.EHOSTUNREACH, "No route to host"), "network_unreachable"),
        (OSError(errno.ETIMEDOUT, "Connection timed out"), "timeout"),
        (OSError(errno.EPERM, "Operation not permitted"), "protocol_error"),
    ],
)
def test_os_errors_during_a_step(ctx, err, expected):
    diagnosis = classify_exception(StepName.EHLO, err, ctx)
    assert diagnosis.code == expected
    if expected == "protocol_error":
        assert "Operation not permitted" in diagnosis.explanation


def test_something_unexpected_is_a_protocol_error_with_its_text(ctx):
    diagnosis = classify_exception(StepName.DATA, ValueError("odd"), ctx)
    assert diagnosis.code == "protocol_error"
    assert "odd" in diagnosis.technical


def test_connect_errors(ctx):
    assert classify_connect_error([], ctx).code == "dns_not_found"
    refused = ConnectionRefusedError(errno.ECONNREFUSED, "refused")
    unreachable = OSError(errno.ENETUNREACH, "unreachable")
    # Refused on any address is the most telling answer, wherever it is in the list.
    assert classify_connect_error([unreachable, refused], ctx).code == "connection_refused"
    assert classify_connect_error([unreachable], ctx).code == "network_unreachable"


@pytest.mark.parametrize(
    ("step", "code", "words"),
    [
        # A resolver that does not answer is a DNS problem, not a server that does not.
        (
            StepName.RESOLVE,
            "offline",
            "no name server answered within the overall time limit",
        ),
        (StepName.CONNECT, "timeout", ""),
        (StepName.GREETING, "timeout", "accepted the connection on port 587 but never greeted us"),
        (StepName.AUTH, "timeout", "stopped answering while we were at the step"),
    ],
)
def test_each_step_that_times_out_says_where(step, code, words):
    from smtpwizard.core.check import CheckOptions
    from smtpwizard.core.check.session import CheckSession

    settings = ServerSettings("smtp.example.test", 587, Security.STARTTLS, "anna")
    session = CheckSession(settings, None, CheckOptions(), None)
    diagnosis = session.timeout_diagnosis(step, overall=True)
    assert diagnosis.code == code
    assert diagnosis.step == step.value
    assert words in diagnosis.explanation


def test_auth_step_timeout_within_its_own_limit_is_auth_throttled():
    """Only the sign-in hangs while the overall deadline is far: a server holding sign-ins
    back (real Dovecot penalty in tests/realservers/test_postfix.py)."""
    from smtpwizard.core.check import CheckOptions
    from smtpwizard.core.check.session import CheckSession

    settings = ServerSettings("smtp.example.test", 587, Security.STARTTLS, "anna")
    session = CheckSession(settings, None, CheckOptions(), None)
    diagnosis = session.timeout_diagnosis(StepName.AUTH, overall=False)
    assert diagnosis.code == "auth_throttled"
    assert "did not answer the sign-in within 15 seconds" in diagnosis.explanation
