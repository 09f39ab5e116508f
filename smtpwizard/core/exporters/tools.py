"""Command-line tools and servers: msmtp, Postfix as a relay client, git send-email."""

from __future__ import annotations

import base64
import ipaddress
import shlex

from ..settings import Security
from .base import Audience, ExportFormat, ExportRequest, ValueNotRepresentable
from .escaping import gitconfig_value, msmtp_value
from .login_table import LoginTable, login_parts

__all__ = ["FORMATS", "keychain_command"]

_GIT_ENCRYPTION = {Security.STARTTLS: "tls", Security.TLS: "ssl"}


def keychain_command(key: str) -> str:
    """Reads the password smtpwizard stored: keyring's Secret Service backend files it under
    the attributes service=smtpwizard, username=KEY."""
    return f"secret-tool lookup service smtpwizard username {shlex.quote(key)}"


def oauth_token_command(username: str) -> str:
    return f"smtpwizard oauth token --user {shlex.quote(username)}"


def _colon_fingerprint(hex_digest: str) -> str:
    upper = hex_digest.upper()
    return ":".join(upper[i : i + 2] for i in range(0, len(upper), 2))


def msmtp(req: ExportRequest) -> str:
    lines = [
        f"# msmtp, made by smtpwizard; checked: {req.checked_text}.",
        "# Save as ~/.msmtprc with chmod 600, or add this account to your existing file.",
        "account smtpwizard",
        f"host {req.host}",
        f"port {req.port}",
    ]
    if req.security is Security.NONE:
        lines.append("tls off")
    else:
        starttls = "on" if req.security is Security.STARTTLS else "off"
        lines += ["tls on", f"tls_starttls {starttls}"]
        if req.settings.trusted_fingerprint:
            fingerprint = _colon_fingerprint(req.settings.trusted_fingerprint)
            lines.append(f"tls_fingerprint {fingerprint}")
    if req.username and req.oauth2:
        # msmtp's OAUTHBEARER takes the access token as its password; our helper renews it.
        lines += [
            "auth oauthbearer",
            f"user {msmtp_value(req.username)}",
            "# An OAuth2 access token, renewed when needed from the sign-in in the keychain.",
            f"passwordeval {msmtp_value(oauth_token_command(req.username))}",
        ]
    elif req.username:
        # msmtp refuses to send a password unencrypted unless the method is named outright.
        insecure = req.security is Security.NONE and req.settings.allow_insecure_auth
        lines += [f"auth {'plain' if insecure else 'on'}", f"user {msmtp_value(req.username)}"]
        if req.password is not None:
            lines.append(f"password {msmtp_value(req.password, 'password')}")
        elif req.keychain_key:
            lines += [
                "# The password is read from the system keychain, where smtpwizard stored it.",
                "# On a Mac use: security find-generic-password -s smtpwizard -a KEY -w",
                "# Anywhere with Python's keyring: keyring get smtpwizard KEY",
                f"passwordeval {msmtp_value(keychain_command(req.keychain_key))}",
            ]
    else:
        lines.append("auth off")
    lines += [f"from {msmtp_value(req.email, 'email')}", "account default : smtpwizard"]
    return "\n".join(lines) + "\n"


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _relayhost(req: ExportRequest) -> str:
    # Brackets: no MX lookup. sasl_passwd must use exactly the same text as its key.
    ip = _ip_literal(req.host)
    host = f"ipv6:{ip}" if isinstance(ip, ipaddress.IPv6Address) else req.host
    return f"[{host}]:{req.port}"


def _refuse_ip_with_name_check(req: ExportRequest) -> None:
    """smtp_tls_security_level = secure matches the certificate against the nexthop's NAME
    (smtp_tls_secure_cert_match = nexthop, dot-nexthop); an IP literal has none, so every
    delivery would defer with "Server certificate not verified"."""
    if _ip_literal(req.host) is not None:
        raise ValueNotRepresentable(
            f"Postfix can only check the relay's certificate against a name, and {req.host} is "
            "an IP address, so it would refuse every delivery. Use the server's name (the one "
            "on its certificate) instead, or trust its certificate in smtpwizard first "
            "(Postfix then checks its fingerprint).",
            "host",
        )


def postfix_main_cf(req: ExportRequest) -> str:
    lines = [
        f"# Postfix relay through {req.host}, made by smtpwizard; checked: {req.checked_text}.",
        "# Add to /etc/postfix/main.cf (replacing lines with the same names), then run:",
        "#   postmap /etc/postfix/sasl_passwd && systemctl restart postfix",
        "# (restart, not reload: Debian copies the certificate authorities into Postfix's chroot",
        "# only at start; the SASL sign-in needs the libsasl2-modules package)",
        f"relayhost = {_relayhost(req)}",
    ]
    if req.username:
        lines += [
            "smtp_sasl_auth_enable = yes",
            "smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd",
            "smtp_sasl_tls_security_options = noanonymous",
        ]
        if req.security is Security.NONE and req.settings.allow_insecure_auth:
            lines.append("smtp_sasl_security_options = noanonymous")
    if req.security is Security.NONE:
        lines.append("smtp_tls_security_level = may")
    elif req.settings.trusted_fingerprint:
        fingerprint = _colon_fingerprint(req.settings.trusted_fingerprint)
        lines += [
            "smtp_tls_security_level = fingerprint",
            "smtp_tls_fingerprint_digest = sha256",
            f"smtp_tls_fingerprint_cert_match = {fingerprint}",
        ]
    else:
        _refuse_ip_with_name_check(req)
        # "secure", not the reference's "encrypt": encrypt alone never checks who answers, and
        # smtpwizard verifies certificates by default. The relay's name (the nexthop) must match.
        lines += [
            "smtp_tls_security_level = secure",
            "# The trusted authorities: /etc/ssl/certs on Debian and Ubuntu; adjust elsewhere.",
            "smtp_tls_CApath = /etc/ssl/certs",
        ]
    if req.security is Security.TLS:
        lines.append("smtp_tls_wrappermode = yes")  # port 465 speaks TLS from the first byte
    return "\n".join(lines) + "\n"


_SASL_PASSWD = LoginTable(
    "Postfix", "sasl_passwd file", "a Postfix sasl_passwd line", ": ", trims_password=True
)


def postfix_sasl_passwd(req: ExportRequest) -> str:
    username, secret, notes = login_parts(req, _SASL_PASSWD)
    lines = [
        "# /etc/postfix/sasl_passwd, made by smtpwizard. Then: chmod 600 /etc/postfix/sasl_passwd",
        "#   && postmap /etc/postfix/sasl_passwd && postfix reload",
        *notes,
        f"{_relayhost(req)} {username}:{secret}",
    ]
    return "\n".join(lines) + "\n"


def _git_from(display_name: str, address: str) -> str:
    """git send-email quotes or RFC 2047-encodes the name itself (sanitize_address): give it the
    bare name. It splits at the first '<' and does not escape '"' in ASCII names, so a name with
    either is handed over as an encoded word, which git passes through untouched."""
    if not display_name:
        return address
    if any(char in display_name for char in '"<>'):
        encoded = base64.b64encode(display_name.encode("utf-8")).decode("ascii")
        return f"=?UTF-8?B?{encoded}?= <{address}>"
    return f"{display_name} <{address}>"


def git_send_email(req: ExportRequest) -> str:
    lines = [
        f"# git send-email, made by smtpwizard; checked: {req.checked_text}.",
        "# Add to ~/.gitconfig (or to .git/config for one repository).",
        "[sendemail]",
        f"\tsmtpServer = {req.host}",
        f"\tsmtpServerPort = {req.port}",
    ]
    if req.security in _GIT_ENCRYPTION:
        lines.append(f"\tsmtpEncryption = {_GIT_ENCRYPTION[req.security]}")
    if req.username:
        lines.append(f"\tsmtpUser = {gitconfig_value(req.username, 'username')}")
        if req.password is not None:
            lines.append(f"\tsmtpPass = {gitconfig_value(req.password, 'password')}")
    lines.append(f"\tfrom = {gitconfig_value(_git_from(req.display_name, req.email), 'email')}")
    return "\n".join(lines) + "\n"


FORMATS = (
    ExportFormat(
        id="msmtp",
        title="msmtp (~/.msmtprc)",
        audience=Audience.TOOL,
        file_name="msmtprc",
        how_to_use=(
            "Save as ~/.msmtprc (chmod 600), or copy the account into your existing file. The "
            "password is read from the system keychain with secret-tool (Debian/Ubuntu package "
            "libsecret-tools). Test: echo 'Subject: test' | msmtp you@example.com"
        ),
        can_carry_password=True,
        handles_oauth2=True,
        render=msmtp,
        for_version="msmtp 1.8 and later",
        sign_in_note="Read from the system keychain (passwordeval with secret-tool).",
    ),
    ExportFormat(
        id="postfix-main-cf",
        title="Postfix relay (main.cf lines)",
        audience=Audience.TOOL,
        file_name="main.cf",
        how_to_use=(
            "Install Postfix's SASL plug-ins first (Debian/Ubuntu: apt install libsasl2-modules; "
            'without them sign-in fails with "no mechanism available"). Add these lines to '
            "/etc/postfix/main.cf (replace lines with the same names), create "
            "/etc/postfix/sasl_passwd (export postfix-sasl-passwd), then run: postmap "
            "/etc/postfix/sasl_passwd && systemctl restart postfix. Restart, not reload: "
            "Debian's Postfix runs in a chroot and copies the certificate authorities into it "
            "only when it starts."
        ),
        can_carry_password=False,
        render=postfix_main_cf,
        for_version="Postfix 3.x",
        sign_in_note="The password goes in /etc/postfix/sasl_passwd (export postfix-sasl-passwd).",
    ),
    ExportFormat(
        id="postfix-sasl-passwd",
        title="Postfix relay (sasl_passwd)",
        audience=Audience.TOOL,
        file_name="sasl_passwd",
        how_to_use=(
            "Save as /etc/postfix/sasl_passwd, chmod 600, then postmap /etc/postfix/sasl_passwd "
            "&& postfix reload. To write it with the password from your keychain: smtpwizard "
            "export --format postfix-sasl-passwd --profile NAME --keyring --include-password "
            "-o /etc/postfix/sasl_passwd"
        ),
        can_carry_password=True,
        render=postfix_sasl_passwd,
        for_version="Postfix 3.x",
        sign_in_note="Type the password after the ':' on the last line.",
    ),
    ExportFormat(
        id="git-send-email",
        title="git send-email (git config)",
        audience=Audience.TOOL,
        file_name="gitconfig-sendemail",
        how_to_use=(
            "Add to ~/.gitconfig. git send-email asks for the password and can keep it in a "
            "credential helper (git config --global credential.helper libsecret, or 'cache')."
        ),
        can_carry_password=True,
        render=git_send_email,
        for_version="git 2.x",
        sign_in_note="git send-email asks and can keep it in a git credential helper.",
    ),
)
