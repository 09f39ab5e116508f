"""Turning what happened into one stable code with plain words and, where we know it, a fix.

The check engine decides *where* it failed; this module decides *what it means*. Server replies
are recognised by their enhanced status codes and provider-specific texts
(../shared/reference/smtp-failures.md lists the real ones).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..servertext import printable
from ..settings import ServerSettings
from .catalogue import CATALOGUE, SECURITY_WORDS


@dataclass(frozen=True, slots=True)
class Diagnosis:
    code: str
    title: str
    explanation: str
    fix: str
    # Only the settings to change, e.g. {"security": "tls"}; None when we cannot know.
    suggestion: dict[str, Any] | None = None
    # True when applying the suggestion lowers a guard (trusting a certificate): ask first.
    needs_consent: bool = False
    step: str | None = None
    technical: str = ""  # the raw error or server reply, for the technical details

    @property
    def ok(self) -> bool:
        return self.code == "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "explanation": self.explanation,
            "fix": self.fix,
            "suggestion": self.suggestion,
            "needs_consent": self.needs_consent,
            "step": self.step,
            "technical": self.technical,
        }


class _Defaults(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


@dataclass(slots=True)
class DiagnosisContext:
    settings: ServerSettings
    fields: dict[str, Any] = field(default_factory=dict)

    def values(self, extra: dict[str, Any]) -> _Defaults:
        values = _Defaults(
            host=self.settings.host,
            port=self.settings.port,
            security=SECURITY_WORDS[self.settings.security.value],
            username=self.settings.username or "(no username)",
        )
        values.update(self.fields)
        values.update(extra)
        return values


def make(
    code: str,
    context: DiagnosisContext,
    *,
    step: str | None = None,
    suggestion: dict[str, Any] | None = None,
    needs_consent: bool = False,
    technical: str = "",
    title: str | None = None,
    explanation: str | None = None,
    fix: str | None = None,
    **fields: Any,
) -> Diagnosis:
    entry = CATALOGUE[code]
    if suggestion and "security" in suggestion:
        fields.setdefault("suggested_security", SECURITY_WORDS[str(suggestion["security"])])
    values = context.values(fields)
    if "reply" in values:
        values["reply"] = shorten(str(values["reply"]))
    return Diagnosis(
        code=code,
        title=(title or entry.title).format_map(values),
        explanation=(explanation or entry.explanation).format_map(values),
        fix=(fix or entry.fix).format_map(values),
        suggestion=suggestion,
        needs_consent=needs_consent,
        step=step,
        # Raw server bytes (NUL, escape codes) must not reach a screen or a terminal.
        technical=printable(technical)[:2000],
    )


def shorten(reply: str, limit: int = 160) -> str:
    text = " ".join(reply.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")


def enhanced_status(message: str) -> str | None:
    match = _ENHANCED.search(message)
    return match.group(0) if match else None


def classify_reply(step: str, code: int, message: str, context: DiagnosisContext) -> Diagnosis:
    """A negative server reply at `step` ("greeting", "ehlo", "auth", "mail_from", ...)."""
    text = message.lower()
    status = enhanced_status(message) or ""
    technical = f"{code} {message}"
    common: dict[str, Any] = {"step": step, "technical": technical, "reply": f"{code} {message}"}

    if code == 421 or (400 <= code < 500 and step == "greeting"):
        return make("server_busy", context, **common)
    if step == "greeting":
        return make("greeting_rejected", context, **common)
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
        if "sendasdenied" in text or status == "5.7.60" or "send as" in text:
            return make("sender_rejected", context, **common)
        if 400 <= code < 500:
            return make("server_busy", context, **common)
        return make("message_rejected", context, **common)
    if 400 <= code < 500:
        return make("server_busy", context, **common)
    return make("protocol_error", context, **common)
