"""Replies whose words decide nothing (diagnosis/rules.py returns None): the step decides.

Each text is a real server's (Postfix 3.7 and Exim 4.96 wording), chosen because it carries no
sender, client, greylisting or sign-in words."""

from __future__ import annotations

import pytest

from smtpwizard.core.diagnosis import DiagnosisContext, classify_reply
from smtpwizard.core.settings import Security, ServerSettings

SIGNED_IN = DiagnosisContext(
    ServerSettings("mail.example.test", 587, Security.STARTTLS, "anna@example.test"),
    auth_offered=True,
    signed_in=True,
)


@pytest.mark.parametrize(
    ("step", "code", "reply", "expected"),
    [
        ("auth", 504, "5.5.4 Unrecognized authentication type", "auth_mechanism_unsupported"),
        ("auth", 451, "4.3.0 Internal server error", "server_busy"),
        ("auth", 535, "5.7.8 Error: authentication failed: UGFzc3dvcmQ6", "auth_failed"),
        ("mail_from", 530, "5.5.1 Access denied", "auth_required"),
        ("mail_from", 451, "4.3.0 Error: queue file write error", "server_busy"),
        ("mail_from", 553, "5.1.8 <x@nowhere.invalid>: Domain not found", "sender_rejected"),
        (
            "rcpt_to",
            550,
            "5.1.1 <nobody@example.test>: Recipient address rejected: User unknown in virtual "
            "mailbox table",
            "recipient_rejected",
        ),
        ("rcpt_to", 451, "4.3.0 <x@example.test>: Temporary lookup failure", "server_busy"),
        ("rcpt_to", 554, "5.7.1 <x@elsewhere.example>: Relay access denied", "relay_denied"),
        ("data", 550, "5.7.60 SMTP; Not permitted", "sender_rejected"),
        ("data", 451, "4.3.0 Error: queue file write error", "server_busy"),
        ("data", 554, "5.6.0 Message content rejected", "message_rejected"),
        ("ehlo", 451, "4.3.0 Try again later", "server_busy"),
        ("ehlo", 502, "5.5.2 Error: command not recognized", "protocol_error"),
    ],
)
def test_step_decides_when_the_words_do_not(step, code, reply, expected) -> None:
    assert classify_reply(step, code, reply, SIGNED_IN).code == expected


def test_relay_refused_before_signing_in_where_sign_in_was_offered_is_auth_required() -> None:
    ctx = DiagnosisContext(SIGNED_IN.settings, auth_offered=True, signed_in=False)
    d = classify_reply("rcpt_to", 554, "5.7.1 <x@elsewhere.example>: Relay access denied", ctx)
    assert d.code == "auth_required"
