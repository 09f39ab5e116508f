"""The check against real Postfix 3.7 with Dovecot SASL: what it says for each real reply.

Every reply here is Postfix's own (the lab's config is Debian's stock submission setup plus
one restriction per listener); the assertions are our code and the key words a user reads.
"""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor

import pytest

from smtpwizard.core.check import StepLimits, StepStatus

from ..security.secret_scan import needles
from .lab import OUTSIDE, PASSWORD, SIZE_LIMIT, USER, RealLab, ip
from .wire import recording_relay


def leaks(blob: bytes) -> list[str]:
    """Every readable form of the password (raw, base64 PLAIN/LOGIN) found in blob."""
    return [form for form, needle in needles(PASSWORD, USER).items() if needle in blob]


def words(result: object) -> str:
    d = result.diagnosis  # type: ignore[attr-defined]
    return f"{d.title} {d.explanation} {d.fix}".lower()


def test_submission_587_starttls_signs_in_and_sends(real_lab: RealLab) -> None:
    result = real_lab.check("mail.example.test", 587, "starttls", options={"send_to": OUTSIDE})
    assert result.ok, result.diagnosis
    assert result.message_sent
    assert result.tls is not None
    # AUTH is only offered once encrypted (smtpd_tls_auth_only): the first EHLO must not show it.
    first_ehlo = next(s for s in result.steps if s.name.value == "ehlo")
    assert "no sign-in offered before encryption" in first_ehlo.detail
    secure_ehlo = next(s for s in result.steps if s.name.value == "ehlo_secure")
    assert "sign-in with PLAIN, LOGIN" in secure_ehlo.detail
    assert "secured" in words(result)
    assert "sasl_username=anna@example.test" in real_lab.postfix.log_text()


def test_smtps_465_implicit_tls(real_lab: RealLab) -> None:
    result = real_lab.check("mail.example.test", 465, "tls", options={"send_to": OUTSIDE})
    assert result.ok, result.diagnosis
    assert result.tls is not None and result.tls.version.startswith("TLS")


def test_no_credential_crosses_the_wire_readable(real_lab: RealLab) -> None:
    target = (ip("mail.example.test"), 587)
    with recording_relay(ip("relay.example.test"), target) as (port, record):
        result = real_lab.check(
            "relay.example.test",
            port,
            "starttls",
        )
    assert result.ok, result.diagnosis
    assert record.connections == 1
    sent = record.client_bytes
    assert b"STARTTLS" in sent and b"AUTH" not in sent  # AUTH went inside TLS
    assert leaks(sent) == []


def test_the_wire_scanner_sees_a_password_sent_in_clear(real_lab: RealLab) -> None:
    """Control for the test above: when the user chose no encryption, the capture has it."""
    target = (ip("plain.example.test"), 587)
    with recording_relay(ip("relay.example.test"), target) as (port, record):
        result = real_lab.check(
            "relay.example.test",
            port,
            "none",
            allow_insecure_auth=True,
        )
    assert result.ok, result.diagnosis
    assert "PLAIN payload (\\0user\\0password)" in leaks(record.client_bytes)
    # A success without encryption must not claim the connection was secured.
    text = words(result)
    assert "secured" not in text
    assert "not encrypted" in text or "unencrypted" in text


def test_plaintext_on_submission_port_needs_starttls(real_lab: RealLab) -> None:
    result = real_lab.check(
        "mail.example.test",
        587,
        "none",
        username=None,
        options={"send_to": OUTSIDE, "mail_from": USER},
    )
    assert result.diagnosis.code == "starttls_required"
    assert "530 5.7.0 Must issue a STARTTLS command first" in result.diagnosis.technical
    assert result.diagnosis.suggestion == {"security": "starttls"}


def test_sender_not_owned_by_login_is_a_sender_problem(real_lab: RealLab) -> None:
    """reject_sender_login_mismatch answers at RCPT (smtpd_delay_reject): the text decides."""
    result = real_lab.check(
        "mail.example.test",
        587,
        "starttls",
        options={"send_to": OUTSIDE, "mail_from": "bob@example.test"},
    )
    d = result.diagnosis
    assert d.code == "sender_rejected", d
    assert "Sender address rejected: not owned by user" in d.technical
    assert "misspelled" not in words(result)
    assert "bob@example.test" in d.explanation and USER in d.explanation
    # The provisional 250 to MAIL FROM must not read as "accepts bob@ as the sender".
    mail_from = next(s for s in result.steps if s.name.value == "mail_from")
    assert mail_from.status is not StepStatus.OK
    assert "accepts" not in mail_from.detail


def test_not_signed_in_on_submission_is_auth_required(real_lab: RealLab) -> None:
    """Debian's stock 587: permit_sasl_authenticated,reject -> "Client host rejected"."""
    result = real_lab.check(
        "mail.example.test",
        587,
        "starttls",
        username=None,
        options={"send_to": OUTSIDE, "mail_from": USER},
    )
    d = result.diagnosis
    assert d.code == "auth_required", d
    assert "Client host rejected: Access denied" in d.technical
    assert "sign in" in words(result)
    assert "misspelled" not in words(result)


def test_size_limit_is_told_in_bytes_and_the_refusal_names_it(real_lab: RealLab) -> None:
    result = real_lab.check("small.example.test", 587, "starttls", options={"send_to": OUTSIDE})
    assert result.server.size_limit == SIZE_LIMIT
    ehlo = next(s for s in result.steps if s.name.value == "ehlo_secure")
    assert "0 MB" not in ehlo.detail
    assert f"{SIZE_LIMIT} bytes" in ehlo.detail
    d = result.diagnosis
    assert d.code == "message_too_large", d
    assert "552 5.3.4" in d.technical
    assert f"{SIZE_LIMIT} bytes" in d.explanation


def test_wrong_name_certificate_offers_the_certificate_s_name(real_lab: RealLab) -> None:
    for port, security in ((587, "starttls"), (465, "tls")):
        result = real_lab.check("mail.customer.test", port, security)
        d = result.diagnosis
        assert d.code == "cert_hostname_mismatch", (port, d)
        assert "box123.hosting.test" in d.explanation
        assert d.suggestion == {"host": "box123.hosting.test"} or d.suggestion is None


def test_self_signed_certificate_is_untrusted_and_needs_consent(real_lab: RealLab) -> None:
    for port, security in ((587, "starttls"), (465, "tls")):
        result = real_lab.check("selfsigned.example.test", port, security)
        assert result.diagnosis.code == "cert_untrusted", (port, result.diagnosis)
        assert "self-signed" in result.diagnosis.technical


def test_connection_count_limit_gives_a_real_421(real_lab: RealLab) -> None:
    with socket.create_connection((ip("busy.example.test"), 587), timeout=10) as held:
        assert held.recv(200).startswith(b"220 ")
        result = real_lab.check("busy.example.test", 587, "starttls")
    d = result.diagnosis
    assert d.code == "server_busy", d
    assert "421 4.7.0" in d.technical and "too many connections" in d.technical
    assert "other mail programs" in words(result) or "at once" in words(result)


def test_connection_rate_limit_gives_a_real_421(real_lab: RealLab) -> None:
    # The limit is 2 a minute; the lab's start-up probe may already have used one.
    greetings = []
    for _ in range(3):
        with socket.create_connection((ip("rate.example.test"), 587), timeout=10) as conn:
            greetings.append(conn.recv(200))
    assert greetings[-1].startswith(b"421 4.7.0"), greetings
    result = real_lab.check("rate.example.test", 587, "starttls")
    assert result.diagnosis.code == "server_busy", result.diagnosis
    assert "too many connections" in result.diagnosis.technical
    assert "Connection rate limit exceeded" in real_lab.postfix.log_text()


def test_greylisting_says_try_again_in_a_few_minutes(real_lab: RealLab) -> None:
    result = real_lab.check(
        "grey.example.test",
        25,
        "starttls",
        username=None,
        options={"send_to": "friend@example.test", "mail_from": "greylist-me@elsewhere.example"},
    )
    d = result.diagnosis
    assert d.code == "greylisted", d
    assert "450 4.2.0" in d.technical and "Greylisted" in d.technical
    assert "few minutes" in words(result)
    assert "too many connections" not in words(result)


@pytest.mark.parametrize("port", [25])
def test_port_25_mx_is_not_a_submission_server(real_lab: RealLab, port: int) -> None:
    result = real_lab.check("mx.example.test", port, "starttls")
    d = result.diagnosis
    assert d.code == "not_a_submission_server", d
    assert "receives" in words(result)
    # After STARTTLS there is still no AUTH: no step may have promised it.
    details = " ".join(s.detail for s in result.steps)
    assert "sign-in is offered" not in details
    secure_ehlo = next(s for s in result.steps if s.name.value == "ehlo_secure")
    assert "no sign-in offered" in secure_ehlo.detail


def test_sign_in_held_back_after_failed_attempts_is_auth_throttled(real_lab: RealLab) -> None:
    """Dovecot's anvil penalty: after failures from an IP it delays that IP's next sign-ins,
    the right password included. A fresh Dovecot, so no other test feels the penalty."""
    with real_lab.fresh_dovecot("penalty") as log:
        with ThreadPoolExecutor(2) as pool:
            wrong = list(
                pool.map(
                    lambda i: real_lab.check(
                        "penalty.example.test", 587, "starttls", password=f"wrong-{i}"
                    ),
                    range(2),
                )
            )
        assert [r.diagnosis.code for r in wrong] == ["auth_failed"] * 2
        right = real_lab.check(
            "penalty.example.test",
            587,
            "starttls",
            options={"limits": StepLimits(auth=1.5)},
        )
        assert "starting up" in log.read_text()
    d = right.diagnosis
    assert d.code == "auth_throttled", d
    assert d.step == "auth"
    text = words(right)
    assert "failed" in text and "wait" in text
    assert "did not answer" not in d.title.lower()


def test_client_refused_by_a_block_list_is_client_blocked(real_lab: RealLab) -> None:
    result = real_lab.check(
        "blocked.example.test",
        25,
        "starttls",
        username=None,
        options={"send_to": "friend@example.test", "mail_from": "anna@elsewhere.example"},
    )
    d = result.diagnosis
    assert d.code == "client_blocked", d
    assert "Client host rejected: Dynamic or residential IP" in d.technical
    assert "internet address" in words(result) and "misspelled" not in words(result)
    mail_from = next(s for s in result.steps if s.name.value == "mail_from")
    assert mail_from.status is StepStatus.FAILED
