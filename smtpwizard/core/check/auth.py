"""Signing in: never over plaintext unless allowed for this server; the best mechanism offered."""

from __future__ import annotations

import aiosmtplib

from .. import diagnosis as dx
from .failures import StepFailure
from .oauth_sasl import authenticate_with_token
from .session import CheckSession
from .steps import StepName, StepResult

# Password mechanisms we can use, best first. Over encryption CRAM-MD5 comes last: it needs the
# password on the server in a reversible form, and some servers advertise it without supporting
# it. Without encryption (only when the user allowed it for this server) it comes first: it is
# the one that does not put the password itself on the wire.
_PREFERRED = ("PLAIN", "LOGIN", "CRAM-MD5")
_PREFERRED_UNENCRYPTED = ("CRAM-MD5", "PLAIN", "LOGIN")
_NEEDS_OTHER_LOGIN = {"XOAUTH2", "OAUTHBEARER", "GSSAPI", "NTLM"}


async def authenticate(run: CheckSession, step: StepResult) -> str:
    smtp = run.smtp
    assert smtp is not None
    settings = run.settings
    encrypted = smtp.get_transport_info("sslcontext") is not None
    if not encrypted and not settings.allow_insecure_auth:
        raise StepFailure(StepName.AUTH, _plaintext_refused(run))
    if "auth" not in smtp.esmtp_extensions:
        offers_starttls = not encrypted and "starttls" in run.server.extensions
        if settings.port == 25 and not offers_starttls:
            # No AUTH on 25, not even encrypted (or no way to encrypt): a domain's MX, which
            # receives mail for its own users; sending goes through another server.
            raise StepFailure(
                StepName.AUTH,
                dx.make(
                    "not_a_submission_server",
                    run.context,
                    step="auth",
                    technical="port 25 offers no AUTH"
                    + (" after STARTTLS" if encrypted else " and no STARTTLS"),
                ),
            )
        raise StepFailure(
            StepName.AUTH,
            dx.make(
                "auth_not_offered",
                run.context,
                step="auth",
                suggestion={"security": "starttls"} if offers_starttls else None,
                technical="AUTH is not in the server's EHLO reply",
            ),
        )
    if run.access_token is not None:
        return await authenticate_with_token(run, run.access_token)
    offered = run.server.auth_mechanisms
    order: tuple[str, ...] = _PREFERRED if encrypted else _PREFERRED_UNENCRYPTED
    if settings.password_encrypted:
        # The provider's configuration says "password-encrypted": never the password itself.
        order = ("CRAM-MD5",)
    usable = [m for m in order if m in offered]
    if not usable and settings.password_encrypted:
        raise StepFailure(
            StepName.AUTH,
            dx.make(
                "auth_mechanism_unsupported",
                run.context,
                step="auth",
                explanation=(
                    "Your provider's settings say the password must be sent encrypted "
                    "(CRAM-MD5), but {host} offers only {mechanisms}. We did not send it."
                ),
                mechanisms=", ".join(offered) or "nothing",
                technical=f"password-encrypted; AUTH offers {', '.join(offered) or 'nothing'}",
            ),
        )
    if not usable:
        others = ", ".join(offered) or "nothing"
        oauth = any(m in _NEEDS_OTHER_LOGIN for m in offered)
        raise StepFailure(
            StepName.AUTH,
            dx.make(
                "auth_mechanism_unsupported",
                run.context,
                step="auth",
                mechanisms=others + (" (OAuth2)" if "XOAUTH2" in offered and oauth else ""),
                technical=f"AUTH offers {others}",
            ),
        )
    mechanism = usable[0]
    method = {
        "PLAIN": smtp.auth_plain,
        "LOGIN": smtp.auth_login,
        "CRAM-MD5": smtp.auth_crammd5,
    }[mechanism]
    username = settings.username or ""
    password = run.password or ""
    # From here the server knows the password: every form it could echo is scrubbed from what
    # it says (PLAIN's blob, LOGIN's lines, the password's base64 at each alignment).
    secret = password.encode("utf-8")
    run.transcript.add_secret(password, (b"\0" + username.encode("utf-8") + b"\0" + secret, secret))
    try:
        await method(username, password)
    except aiosmtplib.SMTPResponseException as exc:
        raise StepFailure(
            StepName.AUTH, dx.classify_reply("auth", exc.code, exc.message, run.context)
        ) from exc
    run.context.signed_in = True
    how = "encrypted" if encrypted else "UNENCRYPTED (allowed by you for this server)"
    return f"signed in as {username} with {mechanism}, {how}"


def _plaintext_refused(run: CheckSession) -> dx.Diagnosis:
    host = run.settings.host
    if "starttls" in run.server.extensions:
        # The server can encrypt: that is the fix, one click, nothing to give up.
        return dx.make(
            "plaintext_auth_refused",
            run.context,
            step="auth",
            suggestion={"security": "starttls"},
            technical="credentials would travel unencrypted; not sent",
        )
    # No way to encrypt: the user may allow it for this server, knowing what it means.
    return dx.make(
        "plaintext_auth_refused",
        run.context,
        step="auth",
        suggestion={"allow_insecure_auth": True},
        needs_consent=True,
        warning=(
            f"{host} cannot encrypt the connection. If you allow it, your password crosses "
            "the network readable by anyone in between (on Wi-Fi, in a hotel, at your "
            "provider). Allow it only for a server on your own trusted network."
        ),
        consent=f"Send my password to {host} without encryption",
        technical="credentials would travel unencrypted; not sent",
    )
