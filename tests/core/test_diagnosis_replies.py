"""Real provider replies (../shared/reference/smtp-failures.md) map to the right codes."""

import pytest

from smtpwizard.core.diagnosis import DiagnosisContext, classify_reply
from smtpwizard.core.diagnosis.catalogue import CATALOGUE
from smtpwizard.core.settings import Security, ServerSettings

CTX = DiagnosisContext(ServerSettings("smtp.example.com", 587, Security.STARTTLS, "anna"))


@pytest.mark.parametrize(
    ("step", "code", "message", "expected"),
    [
        (
            "auth",
            534,
            "5.7.9 Application-specific password required. Learn more at "
            "https://support.google.com/mail/?p=InvalidSecondFactor",
            "app_password_required",
        ),
        (
            "auth",
            535,
            "5.7.8 Username and Password not accepted. Learn more at "
            "https://support.google.com/mail/?p=BadCredentials",
            "auth_failed",
        ),
        (
            "auth",
            535,
            "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is "
            "disabled for the Tenant.",
            "auth_disabled_by_provider",
        ),
        (
            "auth",
            535,
            "5.7.139 Authentication unsuccessful, user is locked by your "
            "organization's security defaults policy.",
            "auth_disabled_by_provider",
        ),
        (
            "auth",
            550,
            "5.7.30 Basic authentication is not supported for Client Submission.",
            "auth_disabled_by_provider",
        ),
        ("auth", 535, "Incorrect authentication data", "auth_failed"),
        ("auth", 535, "5.7.8 Authentication credentials invalid", "auth_failed"),
        ("mail_from", 530, "5.7.0 Must issue a STARTTLS command first", "starttls_required"),
        ("mail_from", 530, "5.7.57 Client not authenticated to send mail", "auth_required"),
        ("data", 554, "5.2.252 SendAsDenied; a@x not allowed to send as b@y", "sender_rejected"),
        (
            "data",
            550,
            "5.7.60 SMTP; Client does not have permissions to send as this sender",
            "sender_rejected",
        ),
        ("mail_from", 553, "Relaying disallowed as <b@y>", "sender_rejected"),
        (
            "mail_from",
            553,
            "5.7.1 <x@y>: Sender address rejected: not owned by user anna",
            "sender_rejected",
        ),
        ("rcpt_to", 554, "5.7.1 <x@other.example>: Relay access denied", "relay_denied"),
        ("rcpt_to", 550, "5.7.1 Relaying denied", "relay_denied"),
        (
            "rcpt_to",
            550,
            "5.1.1 <x@y>: Recipient address rejected: User unknown",
            "recipient_rejected",
        ),
        ("data", 554, "5.7.1 Message rejected as spam", "message_rejected"),
        ("greeting", 421, "4.3.2 Service not available", "server_busy"),
        ("greeting", 554, "No SMTP service here", "greeting_rejected"),
        ("rcpt_to", 421, "4.7.0 Too many connections", "server_busy"),
    ],
)
def test_reply_codes(step, code, message, expected):
    diagnosis = classify_reply(step, code, message, CTX)
    assert diagnosis.code == expected
    assert diagnosis.title and diagnosis.explanation and diagnosis.fix
    assert "{" not in diagnosis.explanation + diagnosis.fix + diagnosis.title


def test_starttls_required_suggests_starttls():
    d = classify_reply("mail_from", 530, "5.7.0 Must issue a STARTTLS command first", CTX)
    assert d.suggestion == {"security": "starttls"}


def test_m365_mentions_admin_switch_and_the_end_of_basic_auth():
    d = classify_reply("auth", 535, "5.7.139 SmtpClientAuthentication is disabled", CTX)
    assert "Authenticated SMTP" in d.fix and "December 2026" in d.fix


def test_cpanel_reply_points_at_full_address():
    d = classify_reply("auth", 535, "Incorrect authentication data", CTX)
    assert "full email address" in d.fix


def test_every_catalogue_entry_is_complete_plain_text():
    required = {
        "ok",
        "dns_not_found",
        "connection_refused",
        "timeout",
        "network_unreachable",
        "wrong_security",
        "tls_handshake_failed",
        "cert_untrusted",
        "cert_hostname_mismatch",
        "cert_expired",
        "starttls_unavailable",
        "plaintext_auth_refused",
        "starttls_required",
        "auth_not_offered",
        "auth_failed",
        "app_password_required",
        "auth_disabled_by_provider",
        "auth_mechanism_unsupported",
        "sender_rejected",
        "relay_denied",
        "recipient_rejected",
        "message_rejected",
        "server_busy",
        "protocol_error",
    }
    assert required <= set(CATALOGUE)
    for code, entry in CATALOGUE.items():
        assert entry.title[0].isupper(), code
        assert entry.fix.endswith("."), code
        assert len(entry.explanation) < 400, code


def test_the_user_documentation_lists_every_code_and_is_current():
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("gen", root / "scripts/gen_diagnosis_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = (root / "docs/diagnosis-codes.md").read_text(encoding="utf-8")
    assert text == module.render(), "run: python scripts/gen_diagnosis_docs.py"
    for code in CATALOGUE:
        assert f"## `{code}`" in text


def test_raw_server_bytes_never_reach_the_technical_details():
    d = classify_reply("auth", 535, "bad\x00\x1b[31mred\x07 5.7.8", CTX)
    assert "\x00" not in d.technical and "\x1b" not in d.technical and "\x07" not in d.technical
    assert "red" in d.technical


def test_aiosmtplib_has_the_crlf_and_starttls_injection_fixes():
    from importlib.metadata import version

    installed = tuple(int(part) for part in version("aiosmtplib").split(".")[:3])
    assert installed >= (5, 1, 2), "aiosmtplib 5.1.1 fixed CRLF injection, 5.1.2 STARTTLS injection"
