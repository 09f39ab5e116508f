"""The check against real Exim 4.96 with cPanel's policy texts (tests/realservers/exim.py)."""

from __future__ import annotations

import socket

from .lab import EXIM_HOSTS, EXIM_USER, OUTSIDE, EximLabs


def words(result: object) -> str:
    d = result.diagnosis  # type: ignore[attr-defined]
    return f"{d.title} {d.explanation} {d.fix}".lower()


def test_exim_submission_works(exim_lab: EximLabs) -> None:
    for port, security in ((587, "starttls"), (465, "tls")):
        result = exim_lab.check("mail.exim.test", port, security, options={"send_to": OUTSIDE})
        assert result.ok, (port, result.diagnosis)
        assert result.message_sent
    assert "A=plain:anna@exim.test" in exim_lab.main.log_text()


def test_exim_wrong_password_names_the_full_address_rule(exim_lab: EximLabs) -> None:
    result = exim_lab.check("mail.exim.test", 587, "starttls", password="not-it")
    d = result.diagnosis
    assert d.code == "auth_failed", d
    assert "535 Incorrect authentication data" in d.technical
    assert "full email address" in words(result)


def test_exim_relay_without_sign_in_is_auth_required(exim_lab: EximLabs) -> None:
    result = exim_lab.check(
        "mail.exim.test",
        587,
        "starttls",
        username=None,
        options={"send_to": OUTSIDE, "mail_from": EXIM_USER},
    )
    d = result.diagnosis
    assert d.code == "auth_required", d
    assert "Please turn on SMTP Authentication" in d.technical
    assert "sign in" in words(result)


def test_exim_from_must_match_the_login(exim_lab: EximLabs) -> None:
    result = exim_lab.check(
        "mail.exim.test",
        465,
        "tls",
        options={"send_to": OUTSIDE, "mail_from": "bob@exim.test"},
    )
    d = result.diagnosis
    assert d.code == "sender_rejected", d
    assert "must match your authenticated email user" in d.technical
    assert "misspelled" not in words(result)


def test_exim_too_many_connections_is_a_real_421(exim_lab: EximLabs) -> None:
    with socket.create_connection((EXIM_HOSTS["busy.exim.test"], 587), timeout=10) as held:
        assert held.recv(200).startswith(b"220 ")
        result = exim_lab.check("busy.exim.test", 587, "starttls")
    d = result.diagnosis
    assert d.code == "server_busy", d
    assert d.technical.startswith("421 ") and "Too many concurrent SMTP connections" in d.technical


def test_exim_sender_verify_failed_is_a_sender_problem(exim_lab: EximLabs) -> None:
    result = exim_lab.check(
        "std.exim.test",
        587,
        "starttls",
        options={"send_to": OUTSIDE, "mail_from": "anna@nowhere.invalid"},
    )
    d = result.diagnosis
    assert d.code == "sender_rejected", d
    assert "Sender verify failed" in d.technical
    assert "misspelled" not in words(result)


def test_exim_relay_not_permitted_without_sign_in_is_auth_required(exim_lab: EximLabs) -> None:
    result = exim_lab.check(
        "std.exim.test",
        587,
        "starttls",
        username=None,
        options={"send_to": OUTSIDE, "mail_from": EXIM_USER},
    )
    d = result.diagnosis
    assert d.code == "auth_required", d
    assert d.technical == "550 relay not permitted"
    assert "sign in" in words(result)
