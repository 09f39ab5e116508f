"""Exports of checked settings for mail programs, websites, frameworks, tools and support desks.

Pure functions from (ServerSettings, Account) to text or bytes; the registry knows each
format's file name, its how-to text and whether it can carry a password.

    result = render_export("msmtp", settings, account)
    write_export(result, "~/.msmtprc")
"""

from .base import (
    PASSWORD_ENV,
    Audience,
    ExportError,
    ExportFormat,
    ExportRequest,
    ExportResult,
    IncomingServerMissing,
    PasswordNotSupported,
    UnknownFormat,
    ValueNotRepresentable,
)
from .registry import FORMATS, get_format, render_export, write_export

__all__ = [
    "FORMATS",
    "PASSWORD_ENV",
    "Audience",
    "ExportError",
    "ExportFormat",
    "ExportRequest",
    "ExportResult",
    "IncomingServerMissing",
    "PasswordNotSupported",
    "UnknownFormat",
    "ValueNotRepresentable",
    "get_format",
    "render_export",
    "write_export",
]
