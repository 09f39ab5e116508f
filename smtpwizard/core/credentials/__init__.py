"""Passwords in the operating system's keychain (Secret Service, macOS Keychain, Windows
Credential Manager) through `keyring`, and nowhere else.

Every call runs on its own daemon thread with a deadline (calls.py says why); backend.py picks
the backend, errors.py puts every failure in plain words.

There is deliberately no fallback: when no real keychain exists (or only a plaintext one such
as keyrings.alt), passwords are simply not remembered and the user types them each time.
"""

from __future__ import annotations

import contextlib

import keyring.errors

from ..errors import InputError
from ..inputs import refuse_control_characters
from ..settings import ServerSettings
from .backend import resolve_backend, secure_backend, set_backend
from .calls import MAX_STUCK_CALLS, call_async, call_sync, translate_error
from .errors import KeychainError, KeychainStatus

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_STUCK_CALLS",
    "SERVICE_NAME",
    "KeychainError",
    "KeychainStatus",
    "credential_key",
    "delete_password",
    "delete_password_sync",
    "keychain_status",
    "keychain_status_sync",
    "load_password",
    "load_password_sync",
    "move_password",
    "save_password",
    "save_password_sync",
    "set_backend",
]

SERVICE_NAME = "smtpwizard"
DEFAULT_TIMEOUT = 10.0


def credential_key(settings: ServerSettings) -> str:
    """The keychain entry for one account on one server: "user@host:port".

    The username is kept as typed (servers may treat case as significant); the host is the
    normalised IDNA form ServerSettings holds, so "SMTP.Example.com" and "smtp.example.com"
    share one entry; IPv6 hosts are bracketed so the port stays unambiguous. The port is part
    of the key because different ports of one host can be different services with different
    accounts; the security mode is not, so switching STARTTLS <-> SSL/TLS keeps the password
    (use move_password when a suggestion changes host or port). The key is only ever looked
    up, never parsed, so an "@" inside the username is harmless.
    """
    username = (settings.username or "").strip()
    if not username:
        raise InputError("This server has no username, so there is no password to store.")
    host = settings.host.strip().lower()
    if ":" in host:
        host = f"[{host}]"
    key = f"{username}@{host}:{settings.port}"
    refuse_control_characters(key, "keychain entry name")
    return key


# --- the public calls ----------------------------------------------------------------------


def _check_key(key: str) -> None:
    if not key or not isinstance(key, str):
        raise InputError("The keychain entry name is empty.")
    refuse_control_characters(key, "keychain entry name")


def _status() -> KeychainStatus:
    return resolve_backend().status


def _save(key: str, password: str) -> None:
    secure_backend().set_password(SERVICE_NAME, key, password)


def _load(key: str) -> str | None:
    return secure_backend().get_password(SERVICE_NAME, key)


def _delete(key: str) -> None:
    # "No such password": nothing stored is the outcome the caller wanted. A locked keychain
    # raises KeyringLocked before this point, so real failures still surface.
    with contextlib.suppress(keyring.errors.PasswordDeleteError):
        secure_backend().delete_password(SERVICE_NAME, key)


def _check_password(password: str) -> None:
    if not isinstance(password, str) or not password:
        raise InputError("There is no password to remember.", "password")
    if "\x00" in password:
        raise InputError("The password contains a NUL character, which is not allowed.", "password")


async def keychain_status(timeout: float = DEFAULT_TIMEOUT) -> KeychainStatus:
    """Whether passwords can be remembered; never raises, never prompts the user."""
    try:
        return await call_async(_status, timeout, None)
    except KeychainError as exc:
        return KeychainStatus(False, "", exc.message)


def keychain_status_sync(timeout: float = DEFAULT_TIMEOUT) -> KeychainStatus:
    try:
        return call_sync(_status, timeout, None)
    except KeychainError as exc:
        return KeychainStatus(False, "", exc.message)


async def save_password(key: str, password: str, timeout: float = DEFAULT_TIMEOUT) -> None:
    _check_key(key)
    _check_password(password)
    await call_async(lambda: _save(key, password), timeout, password)


async def load_password(key: str, timeout: float = DEFAULT_TIMEOUT) -> str | None:
    """The stored password, or None when nothing is stored under `key`."""
    _check_key(key)
    return await call_async(lambda: _load(key), timeout, None)


async def delete_password(key: str, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Forget the password; forgetting one that was never stored is not an error."""
    _check_key(key)
    await call_async(lambda: _delete(key), timeout, None)


async def move_password(old_key: str, new_key: str, timeout: float = DEFAULT_TIMEOUT) -> bool:
    """Re-file a password when host or port change; False when there was nothing to move."""
    _check_key(old_key)
    _check_key(new_key)
    if old_key == new_key:
        return await load_password(old_key, timeout) is not None

    def move() -> bool:
        password = _load(old_key)
        if password is None:
            return False
        try:
            _save(new_key, password)
        except Exception as exc:
            error = translate_error(exc, password)
        else:
            _delete(old_key)
            return True
        raise error

    return await call_async(move, timeout, None)


def save_password_sync(key: str, password: str, timeout: float = DEFAULT_TIMEOUT) -> None:
    _check_key(key)
    _check_password(password)
    call_sync(lambda: _save(key, password), timeout, password)


def load_password_sync(key: str, timeout: float = DEFAULT_TIMEOUT) -> str | None:
    _check_key(key)
    return call_sync(lambda: _load(key), timeout, None)


def delete_password_sync(key: str, timeout: float = DEFAULT_TIMEOUT) -> None:
    _check_key(key)
    call_sync(lambda: _delete(key), timeout, None)
