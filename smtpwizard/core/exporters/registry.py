"""Every export in one list, and the two calls the CLI and GUI use: render_export, write_export."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from pathlib import Path

from ..atomic import atomic_write_bytes
from ..credentials import credential_key
from ..settings import Account, ServerSettings
from .base import (
    ExportError,
    ExportFormat,
    ExportRequest,
    ExportResult,
    IncomingServerMissing,
    PasswordNotSupported,
    UnknownFormat,
    ValueNotRepresentable,
)
from .card import FORMATS as CARD
from .frameworks import FORMATS as FRAMEWORKS
from .mail_clients import FORMATS as MAIL_CLIENTS
from .mail_programs import FORMATS as MAIL_PROGRAMS
from .outlook import FORMATS as OUTLOOK
from .rails_spring_dotnet import FORMATS as RAILS_SPRING_DOTNET
from .relays import FORMATS as RELAYS
from .selfhosted_apps import FORMATS as SELFHOSTED_APPS
from .selfhosted_php import FORMATS as SELFHOSTED_PHP
from .selfhosted_ruby import FORMATS as SELFHOSTED_RUBY
from .thunderbird_prefs import profile_identities, profile_smtp_servers
from .tools import FORMATS as TOOLS
from .websites import FORMATS as WEBSITES

__all__ = ["FORMATS", "get_format", "render_export", "write_export"]

# (Each module's FORMATS by name, not `from . import module`: that form imports the package,
# whose __init__ imports this module, a circle for anyone reading the import graph.)

FORMATS: tuple[ExportFormat, ...] = (
    *MAIL_PROGRAMS,
    *OUTLOOK,
    *MAIL_CLIENTS,
    *WEBSITES,
    *SELFHOSTED_PHP,
    *SELFHOSTED_RUBY,
    *SELFHOSTED_APPS,
    *FRAMEWORKS,
    *RAILS_SPRING_DOTNET,
    *TOOLS,
    *RELAYS,
    *CARD,
)
_BY_ID = {fmt.id: fmt for fmt in FORMATS}
# Names, addresses and usernames end up in mail headers: no control characters at all there.
_CONTROL = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")


def get_format(format_id: str) -> ExportFormat:
    try:
        return _BY_ID[format_id]
    except KeyError:
        raise UnknownFormat(
            f"There is no export called {format_id!r}. Known exports: {', '.join(_BY_ID)}.",
            "format",
        ) from None


def _check_identity(settings: ServerSettings, account: Account) -> None:
    for value, field, what in (
        (account.display_name, "display_name", "name"),
        (account.email, "email", "email address"),
        (settings.username or "", "username", "username"),
    ):
        if _CONTROL.search(value):
            raise ValueNotRepresentable(
                f"The {what} contains a line break or another control character, which no "
                "mail program accepts. Please remove it and export again.",
                field,
            )


def render_export(
    format_id: str,
    settings: ServerSettings,
    account: Account,
    *,
    include_password: bool = False,
    password: str | None = None,
    keychain_key: str | None = None,
    checked_on: dt.date | None = None,
    thunderbird_profile: str | os.PathLike[str] | None = None,
    thunderbird_identity: str | None = None,
    oauth2: bool = False,
) -> ExportResult:
    """Make one export. The password is written only with include_password=True (and then it
    must be given); otherwise it is ignored and the format's safer way is used.
    thunderbird_profile: a profile folder whose outgoing servers user.js must keep (read only).
    thunderbird_identity: only when asked, the identity key (id1) or its address to switch."""
    fmt = get_format(format_id)
    if fmt.needs_incoming and account.incoming is None:
        raise IncomingServerMissing(
            f"{fmt.title} describes the whole account, so it also needs the incoming "
            "(IMAP or POP3) server: its name, port and encryption.",
            "incoming",
        )
    _check_identity(settings, account)
    if oauth2 and not fmt.handles_oauth2:
        raise ExportError(
            f"{fmt.title} cannot sign in with OAuth2 (Microsoft or Google sign-in). Use the "
            "provider's own connector for it, an app password where the provider allows one, "
            "or export for Thunderbird or msmtp, which can.",
            "oauth2",
        )
    if oauth2 and include_password:
        raise PasswordNotSupported("An OAuth2 sign-in has no password to include.", "password")
    if include_password:
        if not fmt.can_carry_password:
            raise PasswordNotSupported(
                f"{fmt.title} cannot carry a password. {fmt.sign_in_note}", "password"
            )
        if not settings.username:
            raise PasswordNotSupported(
                "This server takes no sign-in, so there is no password to include.", "password"
            )
        if not password:
            raise ExportError("The password to include is missing or empty.", "password")
    if keychain_key is None and settings.username:
        keychain_key = credential_key(settings)
    request = ExportRequest(
        settings=settings,
        account=account,
        password=password if include_password else None,
        keychain_key=keychain_key,
        checked_on=checked_on,
        thunderbird_servers=(
            profile_smtp_servers(Path(thunderbird_profile)) if thunderbird_profile else None
        ),
        oauth2=oauth2 and bool(settings.username),
    )
    if thunderbird_identity:
        request = dataclasses.replace(
            request, thunderbird_identity=_identity_key(thunderbird_identity, thunderbird_profile)
        )
    rendered = fmt.render(request)
    data = rendered.encode("utf-8") if isinstance(rendered, str) else rendered
    return ExportResult(fmt, fmt.file_name_for(request), data, include_password)


def _identity_key(wanted: str, profile: str | os.PathLike[str] | None) -> str:
    """An identity key as Thunderbird names them (id1), or an address found in the profile."""
    identities = profile_identities(Path(profile)) if profile else {}
    if "@" in wanted:
        keys = [key for key, email in identities.items() if email.lower() == wanted.lower()]
        if len(keys) != 1:
            where = "the Thunderbird profile" if profile else "a Thunderbird profile (none given)"
            raise ExportError(
                f"{wanted} is not the address of exactly one identity in {where}.",
                "thunderbird_identity",
            )
        return keys[0]
    if not re.fullmatch(r"[A-Za-z0-9_]+", wanted) or (profile and wanted not in identities):
        raise ExportError(
            f"There is no Thunderbird identity called {wanted!r}"
            + (f"; this profile has {', '.join(identities) or 'none'}." if profile else "."),
            "thunderbird_identity",
        )
    return wanted


def write_export(result: ExportResult, path: str | os.PathLike[str]) -> Path:
    """Write atomically; a file holding a password is created 0600 from its first byte."""
    target = Path(path).expanduser()
    if target.is_dir():
        target = target / result.file_name
    try:
        atomic_write_bytes(target, result.data, mode=result.file_mode)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ExportError(f"Cannot write {target}: {reason}.", "output") from exc
    return target
