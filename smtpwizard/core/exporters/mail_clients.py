"""Terminal mail programs: NeoMutt, Mutt and s-nail (mailx). They send through the server
themselves and ask for the password when they first need it, unless it is in the file."""

from __future__ import annotations

import base64
import shlex
from urllib.parse import quote

from ..inputs import is_ip
from ..settings import Security
from .base import Audience, ExportFormat, ExportRequest, Renderer, ValueNotRepresentable
from .escaping import mailbox, muttrc_string, refuse_line_breaks

__all__ = ["FORMATS"]


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _smtp_url(req: ExportRequest, *, trailing_slash: bool) -> str:
    """smtp[s]://user@host:port as mutt's url_parse and s-nail's URL reader take it: the user
    percent-encoded (its @ and : would end the part)."""
    scheme = "smtps" if req.security is Security.TLS else "smtp"
    user = f"{quote(req.username, safe='')}@" if req.username else ""
    return f"{scheme}://{user}{_url_host(req.host)}:{req.port}{'/' if trailing_slash else ''}"


def _muttrc(req: ExportRequest, program: str) -> str:
    encrypted = req.security is not Security.NONE
    sender = mailbox(req.display_name, req.email)
    lines = [
        f"# {program} sending settings, made by smtpwizard; checked: {req.checked_text}.",
        f"# Add to your {program.lower()} configuration file (see the how-to).",
        f"set from = {muttrc_string(sender, 'email')}",
        "set use_from = yes",
        f"set smtp_url = {muttrc_string(_smtp_url(req, trailing_slash=True), 'username')}",
        # ssl_force_tls: never talk to the server unencrypted, so STARTTLS is insisted on.
        f"set ssl_force_tls = {'yes' if encrypted else 'no'}",
        f"set ssl_starttls = {'yes' if req.security is Security.STARTTLS else 'no'}",
    ]
    if req.password is not None:
        lines.append(f"set smtp_pass = {muttrc_string(req.password, 'password')}")
    elif req.username:
        lines.append(f"# {program} asks for the password at the first send.")
    return "\n".join(lines) + "\n"


def neomutt(req: ExportRequest) -> str:
    return _muttrc(req, "NeoMutt")


def mutt(req: ExportRequest) -> str:
    return _muttrc(req, "Mutt")


def _snail_from(display_name: str, address: str) -> str:
    """s-nail 14.9 mangles a quoted name holding non-ASCII when it encodes the From: header
    (it encodes only the first word and leaves the quotes broken): hand it such a name as one
    RFC 2047 encoded word, which it passes through untouched."""
    if display_name.isascii():
        return mailbox(display_name, address)
    refuse_line_breaks(display_name, "display_name", "an email header")
    encoded = base64.b64encode(display_name.encode("utf-8")).decode("ascii")
    return f"=?UTF-8?B?{encoded}?= <{address}>"


def _snail_word(value: str, field: str) -> str:
    # s-nail reads `set` arguments with sh(1)-style quoting (single quotes are literal).
    return shlex.quote(refuse_line_breaks(value, field, "an s-nail resource file"))


def s_nail(req: ExportRequest) -> str:
    if req.security is not Security.NONE and is_ip(req.host):
        # s-nail 14.9 matches the certificate against names only (never IP addresses), so
        # with tls-verify=strict every send would fail.
        raise ValueNotRepresentable(
            f"s-nail can only check the server's certificate against a name, and {req.host} "
            "is an IP address. Use the server's name (the one on its certificate) instead.",
            "host",
        )
    mta = _snail_word(_smtp_url(req, trailing_slash=False), "username")
    if req.security is Security.STARTTLS:
        mta += " smtp-use-starttls"  # a second variable: STARTTLS or no sending
    lines = [
        f"# s-nail (mailx) sending settings, made by smtpwizard; checked: {req.checked_text}.",
        "# Add to ~/.mailrc (or ~/.s-nailrc); chmod 600 it if a password is in it.",
        "set v15-compat",
        f"set mta={mta}",
        f"set from={_snail_word(_snail_from(req.display_name, req.email), 'email')}",
        "set tls-verify=strict",
    ]
    if req.username:
        lines.append("set smtp-auth=plain")
        if req.password is not None:
            # The chain password-USER@HOST: USER as it is (never percent-encoded), HOST with
            # the port when the URL has one (s-nail(1), "On URL syntax and credential lookup").
            if "=" in req.username:
                raise ValueNotRepresentable(
                    "The username contains '=', which s-nail's password-USER@HOST setting "
                    "cannot hold.",
                    "username",
                )
            key = f"password-{req.username}@{_url_host(req.host)}:{req.port}"
            lines.append(f"set {_snail_word(f'{key}={req.password}', 'password')}")
        else:
            lines.append("# s-nail asks for the password at each send (add password-USER@HOST).")
    else:
        lines.append("set smtp-auth=none")
    return "\n".join(lines) + "\n"


_MUTT_HOW = (
    "Add these lines to {file} (create it if missing; chmod 600 when it holds the password), "
    "then send a test: echo test | {cmd} -s 'Test' you@example.com. {program} asks for the "
    "password at the first send."
)


def _mutt_format(program: str, file: str, version: str, render: Renderer) -> ExportFormat:
    cmd = program.lower()
    return ExportFormat(
        id=cmd,
        title=f"{program} ({cmd}rc)",
        audience=Audience.MAIL_PROGRAM,
        file_name=f"{cmd}rc-smtp",
        how_to_use=_MUTT_HOW.format(file=file, cmd=cmd, program=program),
        can_carry_password=True,
        render=render,
        sign_in_note=f"{program} asks for the password at the first send.",
        for_version=version,
    )


FORMATS = (
    _mutt_format("NeoMutt", "~/.config/neomutt/neomuttrc", "NeoMutt 2022.04 and later", neomutt),
    _mutt_format(
        "Mutt",
        "~/.muttrc",
        "Mutt 2.x (built with SMTP support, as Debian's and Homebrew's are)",
        mutt,
    ),
    ExportFormat(
        id="s-nail",
        title="s-nail / mailx (~/.mailrc)",
        audience=Audience.MAIL_PROGRAM,
        file_name="mailrc-smtp",
        how_to_use=(
            "Add these lines to ~/.mailrc (chmod 600 when it holds the password), then send a "
            "test: echo test | s-nail -s 'Test' you@example.com. s-nail asks for the password "
            "when the file does not hold it."
        ),
        can_carry_password=True,
        render=s_nail,
        sign_in_note="s-nail asks for the password at each send.",
        for_version="s-nail 14.9 (the mailx of Debian, Ubuntu and Arch)",
    ),
)
