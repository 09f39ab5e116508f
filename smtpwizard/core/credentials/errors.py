"""Keychain failures and status in plain words: one error type whatever the backend said."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Literal

from ..errors import SmtpWizardError

__all__ = [
    "NOT_REMEMBERED",
    "KeychainError",
    "KeychainErrorKind",
    "KeychainStatus",
    "no_keychain_reason",
]

KeychainErrorKind = Literal["unavailable", "locked", "timeout", "denied", "failed"]

NOT_REMEMBERED = "Your password will not be remembered; you will type it each time."
NO_KEYCHAIN_LINUX = (
    f"No system keychain was found (Secret Service is not running). {NOT_REMEMBERED}"
)
NO_KEYCHAIN_OTHER = f"No system keychain was found. {NOT_REMEMBERED}"
_INSTEAD = "or type your password each time instead."

_TEXTS: dict[KeychainErrorKind, tuple[str, str]] = {
    "unavailable": ("No keychain", NO_KEYCHAIN_OTHER),
    "locked": (
        "Keychain locked",
        f"Your keychain is locked. Unlock it (or sign in again) and try once more, {_INSTEAD}",
    ),
    "timeout": (
        "Keychain not answering",
        "The keychain did not answer in time. If it asked for your keychain password, enter "
        f"it and try again, {_INSTEAD}",
    ),
    "denied": (
        "Keychain refused access",
        f"The keychain refused access to this password. Allow access when it asks, {_INSTEAD}",
    ),
    "failed": ("Keychain problem", f"The keychain could not do that. Try again, {_INSTEAD}"),
}


class KeychainError(SmtpWizardError):
    """Any keychain failure. `detail` names the underlying error for logs, never the password."""

    def __init__(
        self,
        kind: KeychainErrorKind,
        message: str | None = None,
        *,
        title: str | None = None,
        detail: str = "",
    ) -> None:
        default_title, default_message = _TEXTS[kind]
        self.kind: KeychainErrorKind = kind
        self.title = title or default_title
        self.message = message or default_message
        self.detail = detail
        super().__init__(self.message)


@dataclass(frozen=True, slots=True)
class KeychainStatus:
    available: bool
    backend_name: str  # e.g. "SecretService Keyring"; "" when none could be loaded
    reason: str  # plain words when not available; "" when it is


def no_keychain_reason() -> str:
    return NO_KEYCHAIN_LINUX if sys.platform.startswith("linux") else NO_KEYCHAIN_OTHER
