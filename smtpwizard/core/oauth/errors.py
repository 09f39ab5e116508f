"""OAuth2 failures in plain words: the identity provider's error codes -> our diagnosis codes.

The codes are RFC 6749 section 5.2 and RFC 8628 section 3.5, plus the AADSTS numbers Microsoft
puts at the start of error_description (Microsoft Entra "authentication and authorization error
codes", https://learn.microsoft.com/entra/identity-platform/reference-error-codes) and Google's
documented extras (admin_policy_enforced, org_internal: Google Account Help "Understand and fix
error codes", https://support.google.com/accounts/answer/16668185). Those are the providers' own
data, unit-tested (tests/oauth/test_oauth_units.py); the standard codes are also produced by a
real provider in tests/oauth/test_oauth_provider_errors.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..diagnosis.catalogue import CATALOGUE
from ..servertext import printable

__all__ = ["CLOCK_SKEW_LIMIT", "OAuthFailure", "classify_token_error", "describe_skew"]

# Past this, signed tokens and assertions look expired or not yet valid to one side.
CLOCK_SKEW_LIMIT = 300.0

_AADSTS = re.compile(r"\bAADSTS(\d{5,7})\b")
_MS_CODES = {
    "65004": "oauth_consent_denied",  # user declined to consent
    "65001": "oauth_admin_consent",  # nobody consented (device flow, or consent disabled)
    "90094": "oauth_admin_consent",  # admin approval required
    "90095": "oauth_admin_consent",
    "700016": "oauth_client_unknown",  # application not found in the directory
    "7000215": "oauth_client_unknown",  # wrong client secret
    "70011": "oauth_wrong_scope",  # invalid scope
    "70008": "oauth_grant_invalid",  # expired code or refresh token
    "700082": "oauth_grant_invalid",  # refresh token expired through inactivity
    "50173": "oauth_grant_invalid",  # grant revoked (password changed)
    "50076": "oauth_grant_invalid",  # multi-factor sign-in needed again
    "50079": "oauth_grant_invalid",
    "700024": "oauth_clock_skew",  # assertion not within its valid time range
}
_RFC_CODES = {
    "access_denied": "oauth_consent_denied",
    "expired_token": "oauth_consent_denied",  # device code expired before anyone signed in
    "consent_required": "oauth_admin_consent",
    "admin_policy_enforced": "oauth_admin_consent",
    "invalid_grant": "oauth_grant_invalid",
    "interaction_required": "oauth_grant_invalid",
    "login_required": "oauth_grant_invalid",
    "invalid_client": "oauth_client_unknown",
    "unauthorized_client": "oauth_client_unknown",
    "org_internal": "oauth_client_unknown",
    "invalid_scope": "oauth_wrong_scope",
}


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


@dataclass(eq=False)
class OAuthFailure(Exception):
    """A sign-in that did not give a usable token; code is a diagnosis code."""

    code: str
    provider: str
    technical: str = ""
    client_id: str = ""
    username: str = ""
    skew: float | None = None  # seconds our clock is ahead (+) or behind (-), when known

    def __post_init__(self) -> None:
        Exception.__init__(self, self.code)
        self.technical = printable(self.technical)[:1000]

    def fields(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "client_id": self.client_id or "?",
            "username": self.username or "this address",
            "reply": self.technical or "no details",
            "skew": describe_skew(self.skew) if self.skew is not None else "some time",
            "mechanisms": "SMTP.Send for Microsoft, https://mail.google.com/ for Google",
        }

    @property
    def title(self) -> str:
        return CATALOGUE[self.code].title.format_map(_Blank(self.fields()))

    @property
    def explanation(self) -> str:
        return CATALOGUE[self.code].explanation.format_map(_Blank(self.fields()))

    @property
    def fix(self) -> str:
        return CATALOGUE[self.code].fix.format_map(_Blank(self.fields()))

    def __str__(self) -> str:
        return f"{self.title}. {self.explanation}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "explanation": self.explanation,
            "fix": self.fix,
            "technical": self.technical,
        }


def describe_skew(seconds: float) -> str:
    minutes = round(abs(seconds) / 60)
    way = "ahead" if seconds > 0 else "behind"
    if minutes >= 120:
        return f"about {round(minutes / 60)} hours {way}"
    return f"about {max(minutes, 1)} minutes {way}"


def classify_token_error(
    error: str,
    description: str | None,
    *,
    provider: str,
    client_id: str = "",
    skew: float | None = None,
) -> OAuthFailure:
    """The failure for an error response of the authorization or token endpoint."""
    description = description or ""
    technical = f"{error}: {description}" if description else error
    code = None
    match = _AADSTS.search(description)
    if match:
        code = _MS_CODES.get(match.group(1))
    code = code or _RFC_CODES.get(error, "oauth_provider_error")
    if skew is not None and abs(skew) > CLOCK_SKEW_LIMIT and code != "oauth_consent_denied":
        # A grant that "expired" or is "not yet valid" is the clock's fault when it is this far off.
        code = "oauth_clock_skew"
    return OAuthFailure(code, provider, technical, client_id=client_id, skew=skew)
