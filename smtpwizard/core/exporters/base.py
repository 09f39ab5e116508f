"""What every export shares: the request it renders, the result it returns, its errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from ..errors import SmtpWizardError
from ..settings import Account, IncomingServer, Security, ServerSettings

__all__ = [
    "PASSWORD_ENV",
    "Audience",
    "ExportError",
    "ExportFormat",
    "ExportRequest",
    "ExportResult",
    "IncomingServerMissing",
    "PasswordNotSupported",
    "Place",
    "UnknownFormat",
    "ValueNotRepresentable",
]

# The environment variable every env-based export reads the password from.
PASSWORD_ENV = "SMTP_PASSWORD"  # noqa: S105 (a variable name, not a password)


class Audience(StrEnum):
    MAIL_PROGRAM = "mail program"
    WEBSITE = "website"
    FRAMEWORK = "framework"
    TOOL = "tool"
    SUPPORT = "support desk"


class Place(StrEnum):
    """The Done page's first question: where will you use these settings?"""

    MAIL_PROGRAM = "a mail program"
    WEBSITE = "a website or web app"
    CODE = "code or a server"


_PLACES = {
    Audience.MAIL_PROGRAM: Place.MAIL_PROGRAM,
    Audience.WEBSITE: Place.WEBSITE,
    Audience.FRAMEWORK: Place.CODE,
    Audience.TOOL: Place.CODE,
    Audience.SUPPORT: Place.MAIL_PROGRAM,  # the card is what a person types into a program
}


class ExportError(SmtpWizardError):
    """An export cannot be made as asked; the message says why and what to do instead."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class UnknownFormat(ExportError):
    pass


class IncomingServerMissing(ExportError):
    """Whole-account formats (Thunderbird, Outlook, Apple) also describe the IMAP/POP3 server."""


class PasswordNotSupported(ExportError):
    pass


class ValueNotRepresentable(ExportError):
    """A value (usually the display name or password) cannot be written safely in this format."""


# "TLS" alone is older Outlook's word for STARTTLS; it is never given for SSL/TLS.
_ALSO_CALLED = {
    Security.STARTTLS: ("STARTTLS", "TLS (older Outlook)"),
    Security.TLS: ("SSL/TLS", "SSL"),
    Security.NONE: ("None", "No encryption"),
}


def security_also_called(security: Security) -> tuple[str, ...]:
    """What mail programs may call this mode in their settings dialogs."""
    return _ALSO_CALLED[security]


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """Everything a renderer may use. `password` is set only when the user asked for it."""

    settings: ServerSettings
    account: Account
    password: str | None = None
    keychain_key: str | None = None
    checked_on: dt.date | None = None
    # The outgoing-server keys a Thunderbird profile already lists (mail.smtpservers), when
    # known: user.js must keep them or the identities using them lose their server.
    thunderbird_servers: tuple[str, ...] | None = None
    # Only when asked: the identity (mail.identity.KEY) to switch to the new server.
    thunderbird_identity: str | None = None
    oauth2: bool = False  # sign in with OAuth2 (the token comes from smtpwizard oauth token)

    @property
    def host(self) -> str:
        return self.settings.host

    @property
    def port(self) -> int:
        return self.settings.port

    @property
    def security(self) -> Security:
        return self.settings.security

    @property
    def username(self) -> str | None:
        return self.settings.username

    @property
    def auth(self) -> bool:
        return bool(self.settings.username)

    @property
    def email(self) -> str:
        return self.account.email

    @property
    def display_name(self) -> str:
        return self.account.display_name

    @property
    def domain(self) -> str:
        return self.account.email.rsplit("@", 1)[1].lower()

    @property
    def incoming(self) -> IncomingServer:
        if self.account.incoming is None:  # the registry checks before rendering
            raise IncomingServerMissing("This export needs the incoming (IMAP/POP3) server.")
        return self.account.incoming

    @property
    def incoming_username(self) -> str:
        incoming = self.incoming
        return incoming.username or self.settings.username or self.account.email

    @property
    def checked_text(self) -> str:
        return self.checked_on.isoformat() if self.checked_on else "not tested by smtpwizard"


Renderer = Callable[[ExportRequest], str | bytes]
FileNamer = Callable[[ExportRequest], str]


@dataclass(frozen=True, slots=True)
class ExportFormat:
    """One target: its id (CLI/GUI), how to make it, and what to tell the user about it."""

    id: str
    title: str
    audience: Audience
    file_name: str | FileNamer
    how_to_use: str
    can_carry_password: bool
    render: Renderer = field(repr=False)
    needs_incoming: bool = False
    binary: bool = False  # not for a terminal: the CLI insists on -o
    sign_in_note: str = ""  # where the password goes when it is not in the file
    for_version: str = ""  # one line: which program and version the file is for
    place: Place | None = None  # None: from the audience
    handles_oauth2: bool = False  # the consumer can sign in with an OAuth2 token

    @property
    def where(self) -> Place:
        return self.place or _PLACES[self.audience]

    def file_name_for(self, request: ExportRequest) -> str:
        name = self.file_name
        return name if isinstance(name, str) else name(request)


@dataclass(frozen=True, slots=True)
class ExportResult:
    format: ExportFormat
    file_name: str
    data: bytes
    contains_password: bool

    @property
    def how_to_use(self) -> str:
        return self.format.how_to_use

    @property
    def file_mode(self) -> int:
        """0600 when the file holds a password (nobody else may read it)."""
        return 0o600 if self.contains_password else 0o644

    @property
    def text(self) -> str:
        if self.format.binary:
            raise ExportError(f"{self.format.title} is a binary file, not text.")
        if self.data.startswith(b"\xff\xfe"):  # the Outlook PRF with non-ASCII names
            return self.data[2:].decode("utf-16-le")
        return self.data.decode("utf-8")
