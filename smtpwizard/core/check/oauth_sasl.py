"""Signing in with an OAuth2 access token: OAUTHBEARER (RFC 7628) or XOAUTH2, as offered.

OAUTHBEARER is the standard and is preferred; XOAUTH2 is Google's and Microsoft's older
mechanism that most servers still offer. Both send the token in the initial response. On
failure the server sends a 334 challenge carrying a JSON error ({"status": "invalid_token",
"scope": ...} for OAUTHBEARER, {"status": "401", ...} for XOAUTH2); the client answers with a
dummy response (\\x01 for OAUTHBEARER, RFC 7628 section 3.2.3; an empty line for XOAUTH2) and
the server then gives the final reply. Formats as in RFC 7628 section 3.1 and Google's "OAuth
2.0 Mechanism" page; Dovecot's src/auth/mech-oauth2.c (2.3.19) is the server tested against,
alone and behind Postfix.

A long token does not go in the AUTH command: RFC 4954 section 4 forbids an initial response
that makes the command longer than SMTP's 512-octet command line (RFC 5321 4.5.3.1.4), and
Postfix cuts AUTH lines at line_length_limit (2048, src/smtpd/smtpd_chat.c) so a large
organisation's token never arrives whole. It follows the server's empty 334 instead, as
Microsoft documents for Exchange Online. The token is registered with the transcript as a
secret, and every AUTH line and answer to a 334 is redacted.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from .. import diagnosis as dx
from ..diagnosis import Diagnosis
from ..servertext import printable
from .failures import StepFailure
from .session import CheckSession
from .steps import StepName
from .token_claims import audience_mismatch

__all__ = ["OAUTH_MECHANISMS", "authenticate_with_token", "sasl_initial_response"]

OAUTH_MECHANISMS = ("OAUTHBEARER", "XOAUTH2")
_CONTINUE = 334
_SUCCESS = 235
_MAX_COMMAND_LINE = 512  # octets with CRLF (RFC 5321 4.5.3.1.4)


def sasl_initial_response(mechanism: str, username: str, token: str, host: str, port: int) -> str:
    """The base64 initial response for `mechanism`."""
    if mechanism == "OAUTHBEARER":
        # gs2 header "n,a=USER," (',' and '=' in the name are escaped as =2C and =3D).
        name = username.replace("=", "=3D").replace(",", "=2C")
        raw = f"n,a={name},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01"
    elif mechanism == "XOAUTH2":
        raw = f"user={username}\x01auth=Bearer {token}\x01\x01"
    else:
        raise ValueError(mechanism)
    return base64.b64encode(raw.encode("utf-8")).decode("ascii")


def _challenge_error(message: str) -> dict[str, str]:
    try:
        data = json.loads(base64.b64decode(message.strip(), validate=True))
    except (binascii.Error, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): printable(str(v))[:300] for k, v in data.items()}


async def authenticate_with_token(run: CheckSession, token: str) -> str:
    smtp = run.smtp
    assert smtp is not None
    offered = run.server.auth_mechanisms
    mechanism = next((m for m in OAUTH_MECHANISMS if m in offered), None)
    if mechanism is None:
        others = ", ".join(offered) or "nothing"
        raise StepFailure(
            StepName.AUTH,
            dx.make(
                "auth_mechanism_unsupported",
                run.context,
                step="auth",
                mechanisms=others,
                explanation=(
                    "You signed in with OAuth2, but {host} does not take OAuth2 tokens: it "
                    "offers {mechanisms}."
                ),
                fix="Use a password (or an app password) for this server instead.",
                technical=f"AUTH offers {others}; no OAUTHBEARER or XOAUTH2",
            ),
        )
    username = run.settings.username or ""
    initial = sasl_initial_response(
        mechanism, username, token, run.settings.host, run.settings.port
    )
    run.transcript.add_secret(initial)
    command = (b"AUTH", mechanism.encode("ascii"))
    if len(b" ".join(command)) + 1 + len(initial) + 2 <= _MAX_COMMAND_LINE:
        response = await smtp.execute_command(*command, initial.encode("ascii"))
    else:
        response = await smtp.execute_command(*command)
        if response.code == _CONTINUE:  # the empty challenge: now the initial response
            response = await smtp.execute_command(initial.encode("ascii"))
    detail: dict[str, str] = {}
    if response.code == _CONTINUE:
        detail = _challenge_error(response.message)
        dummy = b"AQ==" if mechanism == "OAUTHBEARER" else b""
        response = await smtp.execute_command(dummy)
    if response.code == _SUCCESS:
        return f"signed in as {username} with {mechanism} (OAuth2), encrypted"
    raise StepFailure(
        StepName.AUTH, _refusal(run, mechanism, response.code, response.message, detail, token)
    )


def _refusal(
    run: CheckSession,
    mechanism: str,
    code: int,
    message: str,
    detail: dict[str, str],
    token: str,
) -> Diagnosis:
    text = message.lower()
    reply = f"{code} {message}"
    technical = reply + (f" (after {mechanism} error {json.dumps(detail)})" if detail else "")
    common: dict[str, Any] = {"step": "auth", "technical": technical, "reply": reply}
    if "5.7.139" in text or "smtpclientauthentication is disabled" in text:
        return dx.make("oauth_smtp_disabled", run.context, **common)
    status = detail.get("status", "").lower()
    if status in ("insufficient_scope", "403"):
        return dx.make(
            "oauth_wrong_scope",
            run.context,
            provider="the provider",
            mechanisms=detail.get("scope") or "the mail-sending scope",
            **common,
        )
    if code == 504 or (code in (535, 534) and "mechanism" in text):
        return dx.make("auth_mechanism_unsupported", run.context, mechanisms=mechanism, **common)
    if 400 <= code < 500:
        return dx.make("server_busy", run.context, **common)
    audience = audience_mismatch(token, run.settings.host, run.settings.username or "")
    if audience is not None:
        return dx.make("oauth_wrong_audience", run.context, audience=audience, **common)
    return dx.make("oauth_token_rejected", run.context, **common)
