"""What a negative server reply means: its words and enhanced code first, the step second."""

from __future__ import annotations

import re
from typing import Any

from .model import Diagnosis, DiagnosisContext, make
from .rules import classify_by_text, normalised

_ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")


def enhanced_status(message: str) -> str | None:
    match = _ENHANCED.search(message)
    return match.group(0) if match else None


def classify_reply(step: str, code: int, message: str, context: DiagnosisContext) -> Diagnosis:
    """A negative server reply at `step` ("greeting", "ehlo", "auth", "mail_from", ...)."""
    message = normalised(message)
    text = message.lower()
    status = enhanced_status(message) or ""
    technical = f"{code} {message}"
    common: dict[str, Any] = {"step": step, "technical": technical, "reply": f"{code} {message}"}

    if code == 421 or (400 <= code < 500 and step == "greeting"):
        return make("server_busy", context, **common)
    if step == "greeting":
        return classify_by_text(step, code, message, context, common) or make(
            "greeting_rejected", context, **common
        )
    if "must issue a starttls" in text or (status == "5.7.0" and "starttls" in text):
        return make("starttls_required", context, suggestion={"security": "starttls"}, **common)
    if status == "5.7.9" or "application-specific password" in text:
        return make("app_password_required", context, **common)
    if status == "5.7.139" or "smtpclientauthentication is disabled" in text:
        return make(
            "auth_disabled_by_provider",
            context,
            explanation=(
                'Microsoft 365 has SMTP sign-in ("Authenticated SMTP") switched off for this '
                'mailbox or the whole organisation, often through "security defaults" '
                '("{reply}").'
            ),
            fix=(
                "Ask your Microsoft 365 administrator to turn on Authenticated SMTP for your "
                "mailbox (admin center → Users → your user → Mail → Manage email apps), and to "
                'check that security defaults or a "block legacy authentication" policy do not '
                "block it. Microsoft is ending password sign-in for SMTP: from the end of "
                "December 2026 it is off by default; OAuth2 is the lasting fix."
            ),
            **common,
        )
    if status == "5.7.30" or "basic authentication is not supported" in text:
        return make(
            "auth_disabled_by_provider",
            context,
            explanation=(
                "Microsoft no longer accepts a plain password for sending from programs on this "
                'account ("{reply}"). Exchange Online switches password sign-in for SMTP off by '
                "default from the end of December 2026."
            ),
            fix=(
                "Use a mail program that signs in with OAuth2 (Outlook, Thunderbird), or ask "
                "your administrator to re-enable SMTP basic authentication while it is still "
                "possible, or send through a relay service instead."
            ),
            **common,
        )
    by_text = classify_by_text(step, code, message, context, common)
    if by_text is not None:
        return by_text
    if step == "auth":
        if "incorrect authentication data" in text:
            return make(
                "auth_failed",
                context,
                explanation=(
                    '{host} rejected the sign-in for {username} ("{reply}"). On cPanel-hosted '
                    "mail this usually means the username is not the full email address, or the "
                    "password is wrong."
                ),
                fix=(
                    "Use your full email address (like you@yourdomain.com) as the username and "
                    "check the password. You can reset it in your hosting control panel under "
                    "Email Accounts."
                ),
                **common,
            )
        if status == "5.7.14" or "log in via your web browser" in text:
            return make(
                "auth_failed",
                context,
                fix=(
                    "Sign in to your account once in a web browser and confirm it was you, then "
                    "test again. If your account uses two-step verification, use an app password."
                ),
                **common,
            )
        if code == 504 or (code == 535 and "mechanism" in text and "unsupported" in text):
            return make("auth_mechanism_unsupported", context, mechanisms="other methods", **common)
        if code in (454, 432) or 400 <= code < 500:
            return make("server_busy", context, **common)
        return make("auth_failed", context, **common)
    if status == "5.7.57" or "client not authenticated" in text or code == 530:
        return make("auth_required", context, **common)
    if step == "mail_from":
        if 400 <= code < 500:
            return make("server_busy", context, **common)
        return make("sender_rejected", context, **common)
    if step == "rcpt_to":
        if "relay" in text:
            return make("relay_denied", context, **common)
        if 400 <= code < 500:
            return make("server_busy", context, **common)
        return make("recipient_rejected", context, **common)
    if step == "data":
        if status == "5.7.60":  # Microsoft 365 SendAs, in words the rules did not know
            return make("sender_rejected", context, **common)
        if 400 <= code < 500:
            return make("server_busy", context, **common)
        return make("message_rejected", context, **common)
    if 400 <= code < 500:
        return make("server_busy", context, **common)
    return make("protocol_error", context, **common)
