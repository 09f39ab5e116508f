"""What a negative reply means, read from its words and enhanced status code before its step.

Postfix holds client, HELO and sender refusals until RCPT TO (smtpd_delay_reject, its default),
cPanel's Exim refuses a sender at RCPT too, Zoho at the end of DATA: the step a refusal arrives
at says little, the text says what fired. The texts recognised here are real replies, each with
its public source in tests/diagnosis/real_replies.json or produced by the real servers of
tests/realservers/ (Postfix 3.7, Dovecot 2.3, postgrey 1.37, Exim 4.96).
"""

from __future__ import annotations

import re
from typing import Any

from .model import Diagnosis, DiagnosisContext, make

# Sender problems, whatever the step (Postfix reject_sender_login_mismatch and friends,
# cPanel, Zoho, GMX, Microsoft 365 SendAs, Amazon SES identities, Exim sender verify).
_SENDER = (
    "sender address rejected",
    "must match your authenticated email user",
    "relaying disallowed as",
    "sender address is not allowed",
    "sendasdenied",
    "send as this sender",
    "not allowed to send as",
    "sender verify failed",
)
# The client's address or network is refused (block lists, provider-only networks).
_BLOCKED = (
    "client host rejected",
    "client host blocked",
    "blocked using",
    "adresse ip source bloquee",
    "ip address is not allowed",
    "ip you're using to send mail is not authorized",
    "on our block list",
    "listed at",
    "dynamic or residential ip",
)
# Sign in first: Microsoft 365, SendGrid, cPanel, Postfix "not logged in".
_SIGN_IN_FIRST = (
    "client not authenticated",
    "client was not authenticated",
    "unauthenticated senders not allowed",
    "please turn on smtp authentication",
    "authentication required",
    "not logged in",
)
_THROTTLED = (
    "temporary authentication failure",
    "too many auth commands",
    "too many login attempts",
    "too many authentication failures",
)
_SIZE = re.compile(r"\b(message|mail) (file )?(is )?too (big|large)|size (limit|exceeds)|5\.3\.4")


THROTTLE_REPLY = 'would not check the sign-in right now ("{reply}").'
THROTTLE_SILENT = (
    "did not answer the sign-in within {seconds} seconds, although it answered everything "
    "before it at once."
)


def normalised(message: str) -> str:
    """One line: multi-line replies joined with spaces (aiosmtplib joins them with newlines)."""
    return " ".join(message.split())


def classify_by_text(
    step: str, code: int, message: str, ctx: DiagnosisContext, common: dict[str, Any]
) -> Diagnosis | None:
    """The diagnosis a reply's words decide, or None to let the step decide."""
    text = message.lower()
    host = ctx.settings.host.lower()
    if "greylist" in text or "grey-list" in text or "graylist" in text:
        return make("greylisted", ctx, **common)
    if step == "auth":
        return _auth_reply(code, text, host, ctx, common)
    if any(words in text for words in _SENDER):
        return _sender_reply(text, host, ctx, common)
    if any(words in text for words in _SIGN_IN_FIRST) or "5.7.57" in text:
        return make("auth_required", ctx, **common)
    if "email address is not verified" in text:
        return _ses_identity(ctx, common)
    if any(words in text for words in _BLOCKED):
        if ctx.auth_offered and not ctx.signed_in:
            return make("auth_required", ctx, **common)
        return make("client_blocked", ctx, **common)
    if "relay" in text and ctx.auth_offered and not ctx.signed_in:
        return make("auth_required", ctx, **common)
    if code == 552 or _SIZE.search(text):
        return _too_large(ctx, common)
    if code >= 500 and "5.7.1" in text and ctx.auth_offered and not ctx.signed_in:
        return make("auth_required", ctx, **common)
    return None


def _auth_reply(
    code: int, text: str, host: str, ctx: DiagnosisContext, common: dict[str, Any]
) -> Diagnosis | None:
    if "#auth005" in text or "authorization code" in text:
        return make("app_password_required", ctx, **_app_password(host, text), **common)
    if any(words in text for words in _THROTTLED) or "too many bad auth" in text:
        return make("auth_throttled", ctx, throttle_what=THROTTLE_REPLY, **common)
    if code == 535:
        fix = _provider_sign_in_fix(host, text)
        if fix:
            return make("auth_failed", ctx, fix=fix, **common)
    return None


def _app_password(host: str, text: str) -> dict[str, Any]:
    if "yahoo" in host or "#auth005" in text:
        return {
            "explanation": (
                "Yahoo does not accept your normal Yahoo password from mail programs, and says "
                'so with this reply ("{reply}").'
            ),
            "fix": (
                "Create an app password in your Yahoo account (Account security → Generate app "
                "password) and use it here instead of your normal password."
            ),
        }
    return {
        "explanation": (
            "Your provider wants a separate authorization code, not your normal password, for "
            'mail programs ("{reply}").'
        ),
        "fix": (
            "Turn on SMTP in your mailbox's web settings, generate the authorization code it "
            "offers (a kind of app password) and use that code as the password here."
        ),
    }


# Sending services and providers whose sign-in is not "your email address and your password".
_SIGN_IN_FIXES = (
    (
        "sendgrid",
        'SendGrid\'s username is the word "apikey" for everyone, and the password is an API '
        "key (it starts with SG.) with Mail Send permission. Create a new API key if this one "
        "was deleted or expired.",
    ),
    (
        "mailgun",
        "Use the SMTP credentials of your Mailgun domain (Sending → Domain settings → SMTP "
        "credentials, usually postmaster@your-domain), not your Mailgun account login.",
    ),
    (
        "brevo",
        "Use the SMTP login and SMTP key from Brevo (SMTP & API → SMTP), not your account "
        "password.",
    ),
    (
        "sendinblue",
        "Use the SMTP login and SMTP key from Brevo (SMTP & API → SMTP), not your account "
        "password.",
    ),
    (
        "postmarkapp",
        "Postmark signs in with a Server API token as both username and password (Servers → "
        "your server → API Tokens), not your account login.",
    ),
    (
        "amazonaws",
        "Amazon SES wants its own SMTP credentials (SES console → SMTP settings → Create SMTP "
        "credentials), not your AWS access keys or console password, and the region in the "
        "server name must match them.",
    ),
    (
        "office365",
        "Check the password first. If it is right, an administrator must allow "
        '"Authenticated SMTP" for your mailbox (Microsoft 365 admin center → Users → your user '
        "→ Mail → Manage email apps); security defaults also block it.",
    ),
    (
        "gmail",
        "Google refuses your normal password here. Turn on 2-Step Verification and create an "
        "app password at myaccount.google.com/apppasswords; use those 16 letters as the "
        "password.",
    ),
)


def _provider_sign_in_fix(host: str, text: str) -> str | None:
    if "badcredentials" in text:
        host = "gmail"
    for marker, fix in _SIGN_IN_FIXES:
        if marker in host:
            return fix
    return None


def _sender_reply(text: str, host: str, ctx: DiagnosisContext, common: dict[str, Any]) -> Diagnosis:
    if "not logged in" in text:
        return make("auth_required", ctx, **common)
    if "sendas" in text or "send as" in text:
        return make(
            "sender_rejected",
            ctx,
            fix=(
                "Send from the address you sign in with, or ask your administrator to give "
                '{username} "Send As" rights for the other address (Exchange admin center → '
                "Recipients → Mailboxes → the other mailbox → Delegation)."
            ),
            **common,
        )
    return make("sender_rejected", ctx, **common)


def _ses_identity(ctx: DiagnosisContext, common: dict[str, Any]) -> Diagnosis:
    return make(
        "sender_rejected",
        ctx,
        explanation=(
            "Amazon SES only sends from addresses or domains you have verified in the same "
            'region ("{reply}").'
        ),
        fix=(
            "Verify the sender address or its domain in the Amazon SES console (Verified "
            "identities) for this region. While the account is in the SES sandbox, every "
            "recipient must be verified too; ask AWS for production access to send to anyone."
        ),
        **common,
    )


def _too_large(ctx: DiagnosisContext, common: dict[str, Any]) -> Diagnosis:
    limit = ctx.size_limit
    size = f"{describe_size(limit)}" if limit else "a size it did not tell us"
    return make("message_too_large", ctx, size=size, **common)


def describe_size(octets: int) -> str:
    """A SIZE limit in words a person reads right: 400 bytes, 35 KB, 10.2 MB."""
    if octets < 1_000:
        return f"{octets} bytes"
    if octets < 1_000_000:
        return f"{octets / 1_000:.0f} KB"
    megabytes = octets / 1_000_000
    return f"{megabytes:.0f} MB" if megabytes >= 10 else f"{megabytes:.1f} MB"
