"""Small relays a server uses to hand its mail on: dma (DragonFly Mail Agent) and OpenSMTPD."""

from __future__ import annotations

from ..settings import Security
from .base import Audience, ExportFormat, ExportRequest, ValueNotRepresentable
from .escaping import refuse_line_breaks
from .login_table import LoginTable, login_parts

__all__ = ["FORMATS"]

_OPENSMTPD_PROTO = {
    Security.NONE: "smtp+notls",
    Security.STARTTLS: "smtp+tls",
    Security.TLS: "smtps",
}
_LABEL = "smtpwizard"


def _refuse(what: str, field: str, chars: str, syntax: str, value: str) -> None:
    bad = [char for char in chars if char in value]
    if bad or any(char.isspace() for char in value if " " in chars):
        raise ValueNotRepresentable(
            f"The {what} contains {' or '.join(repr(c) for c in bad) or 'a space'}, which "
            f"{syntax} cannot hold.",
            field,
        )


def dma_conf(req: ExportRequest) -> str:
    """dma 0.13 conf.c parse_conf: `#` anywhere starts a comment, a word and its value are
    split at the first blank; STARTTLS/SECURETRANSFER/INSECURE are bare words."""
    for value, field, what in ((req.host, "host", "server name"), (req.email, "email", "address")):
        _refuse(what, field, "# ", "dma.conf", refuse_line_breaks(value, field, "dma.conf"))
    lines = [
        "# dma (DragonFly Mail Agent) relay settings, made by smtpwizard;",
        f"# checked: {req.checked_text}.",
        "# Replace the same lines in /etc/dma/dma.conf.",
        f"SMARTHOST {req.host}",
        f"PORT {req.port}",
    ]
    if req.username:
        lines.append("AUTHPATH /etc/dma/auth.conf")
    if req.security is not Security.NONE:
        lines.append("SECURETRANSFER")
    if req.security is Security.STARTTLS:
        lines.append("STARTTLS")  # without OPPORTUNISTIC_TLS: no STARTTLS, no delivery
    if req.security is Security.NONE and req.username and req.settings.allow_insecure_auth:
        lines.append("INSECURE")  # dma refuses to sign in unencrypted without it
    fingerprint = req.settings.trusted_fingerprint
    if req.security is not Security.NONE and fingerprint:
        lines.append(f"FINGERPRINT {fingerprint.upper()}")
    elif req.security is not Security.NONE:
        lines += [
            "# dma encrypts but does not check the server's certificate (only a FINGERPRINT",
            "# pins it): trust the certificate in smtpwizard first to get that line here.",
        ]
    lines.append(f"MASQUERADE {req.email}")
    return "\n".join(lines) + "\n"


_DMA_AUTH = LoginTable("dma", "auth.conf", "dma's auth.conf", "|", trims_password=False)
_SECRETS = LoginTable(
    "OpenSMTPD", "secrets table", "an OpenSMTPD credentials table", ": ", trims_password=True
)


def dma_auth(req: ExportRequest) -> str:
    """dma conf.c parse_authfile: `user|host:password`, split at the first | and the first :;
    a line starting with # is a comment."""
    username, secret, notes = login_parts(req, _DMA_AUTH)
    _refuse("server name", "host", ":", "dma's auth.conf", req.host)
    if username.startswith("#"):
        raise ValueNotRepresentable(
            "The username starts with '#', which dma's auth.conf reads as a comment.", "username"
        )
    lines = [
        "# /etc/dma/auth.conf, made by smtpwizard. Then: chown root:mail /etc/dma/auth.conf &&",
        "#   chmod 640 /etc/dma/auth.conf",
        *notes,
        f"{username}|{req.host}:{secret}",
    ]
    return "\n".join(lines) + "\n"


def opensmtpd(req: ExportRequest) -> str:
    """smtpd.conf(5), OpenSMTPD 6.8/7.x: `relay host proto://label@host:port`; smtp+tls is
    mandatory STARTTLS and, like smtps, verifies the server certificate by default."""
    _refuse("server name", "host", '" #', "smtpd.conf", req.host)
    _refuse("address", "email", '"', "smtpd.conf", req.email)
    host = f"[{req.host}]" if ":" in req.host else req.host
    label = f"{_LABEL}@" if req.username else ""
    relay = f"{_OPENSMTPD_PROTO[req.security]}://{label}{host}:{req.port}"
    auth = " auth <secrets>" if req.username else ""
    lines = [
        f"# OpenSMTPD relay settings, made by smtpwizard; checked: {req.checked_text}.",
        "# Add to /etc/smtpd.conf (replace an existing relay action), then: smtpd -n && "
        "rcctl restart smtpd",
        "# (or systemctl restart opensmtpd).",
    ]
    if req.username:
        lines.append("table secrets file:/etc/mail/secrets")
    lines += [
        f'action "relay" relay host "{relay}"{auth} mail-from "{req.email}"',
        'match from local for any action "relay"',
    ]
    return "\n".join(lines) + "\n"


def opensmtpd_secrets(req: ExportRequest) -> str:
    """table(5): one `label user:password` line per relay login."""
    username, secret, notes = login_parts(req, _SECRETS)
    lines = [
        "# /etc/mail/secrets, made by smtpwizard. Then: chown root:_smtpd /etc/mail/secrets &&",
        "#   chmod 640 /etc/mail/secrets",
        *notes,
        f"{_LABEL} {username}:{secret}",
    ]
    return "\n".join(lines) + "\n"


FORMATS = (
    ExportFormat(
        id="dma",
        title="dma relay (/etc/dma/dma.conf)",
        audience=Audience.TOOL,
        file_name="dma.conf",
        how_to_use=(
            "Replace the SMARTHOST, PORT, AUTHPATH, SECURETRANSFER, STARTTLS and MASQUERADE "
            "lines of /etc/dma/dma.conf with these and put the login in /etc/dma/auth.conf "
            "(export dma-auth). Test: echo test | sendmail you@example.com, then check "
            "/var/log/mail.log. dma does not check the server's certificate unless it is "
            "pinned with FINGERPRINT."
        ),
        can_carry_password=False,
        render=dma_conf,
        sign_in_note="The password goes in /etc/dma/auth.conf (export dma-auth).",
        for_version="dma 0.13 (Debian 11 and 12, Ubuntu 22.04 and later)",
    ),
    ExportFormat(
        id="dma-auth",
        title="dma relay login (/etc/dma/auth.conf)",
        audience=Audience.TOOL,
        file_name="auth.conf",
        how_to_use=(
            "Save as /etc/dma/auth.conf (owner root, group mail, chmod 640); dma reads it at "
            "each delivery, nothing to restart."
        ),
        can_carry_password=True,
        render=dma_auth,
        sign_in_note="Type the password after the ':' on the last line.",
        for_version="dma 0.13",
    ),
    ExportFormat(
        id="opensmtpd",
        title="OpenSMTPD relay (smtpd.conf lines)",
        audience=Audience.TOOL,
        file_name="smtpd.conf",
        how_to_use=(
            "Add these lines to /etc/smtpd.conf (replace an existing relay action and its "
            "match line), put the login in /etc/mail/secrets (export opensmtpd-secrets), check "
            "with smtpd -n, then restart OpenSMTPD."
        ),
        can_carry_password=False,
        render=opensmtpd,
        sign_in_note="The password goes in /etc/mail/secrets (export opensmtpd-secrets).",
        for_version="OpenSMTPD 6.8 and 7.x",
    ),
    ExportFormat(
        id="opensmtpd-secrets",
        title="OpenSMTPD relay login (/etc/mail/secrets)",
        audience=Audience.TOOL,
        file_name="secrets",
        how_to_use=(
            "Save as /etc/mail/secrets (owner root, group _smtpd or opensmtpd, chmod 640), then "
            "restart OpenSMTPD (it reads file tables when it starts)."
        ),
        can_carry_password=True,
        render=opensmtpd_secrets,
        sign_in_note="Type the password after the ':' on the last line.",
        for_version="OpenSMTPD 6.8 and 7.x",
    ),
)
