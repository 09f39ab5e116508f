"""Passwords in the operating system's keychain (Secret Service, macOS Keychain, Windows
Credential Manager) through `keyring`, and nowhere else.

Why every call runs on its own daemon thread with a deadline: a locked Secret Service
collection, a frozen keyring daemon or an unlock prompt nobody answers can block a keyring
call forever. A ThreadPoolExecutor (or asyncio.to_thread) would not do: its workers are joined
when the interpreter exits, so one stuck call would also stop the program from quitting.
Daemon threads are not joined; a few stuck ones are tolerated, after which we refuse at once
instead of piling up more. A call that timed out may still finish later (say the user answers
an unlock prompt after the deadline); its result is then dropped.

There is deliberately no fallback: when no real keychain exists (or only a plaintext one such
as keyrings.alt), passwords are simply not remembered and the user types them each time.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from .errors import InputError, SmtpWizardError
from .inputs import refuse_control_characters
from .settings import ServerSettings

__all__ = [
    "DEFAULT_TIMEOUT",
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

log = logging.getLogger(__name__)

SERVICE_NAME = "smtpwizard"
DEFAULT_TIMEOUT = 10.0
MAX_STUCK_CALLS = 4

KeychainErrorKind = Literal["unavailable", "locked", "timeout", "denied", "failed"]
T = TypeVar("T")

_NOT_REMEMBERED = "Your password will not be remembered; you will type it each time."
_NO_KEYCHAIN_LINUX = (
    f"No system keychain was found (Secret Service is not running). {_NOT_REMEMBERED}"
)
_NO_KEYCHAIN_OTHER = f"No system keychain was found. {_NOT_REMEMBERED}"
_INSTEAD = "or type your password each time instead."

_TEXTS: dict[KeychainErrorKind, tuple[str, str]] = {
    "unavailable": ("No keychain", _NO_KEYCHAIN_OTHER),
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


def set_backend(backend: KeyringBackend | None) -> None:
    """Use this backend from now on (None: detect the system's again). It is still checked:
    a plaintext or fail backend makes the keychain "unavailable"."""
    global _resolved
    with _resolve_lock:
        _resolved = None if backend is None else _classify(backend)


# --- backend detection -------------------------------------------------------------------

_INSECURE_MODULE_PREFIXES = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")
_INSECURE_NAME_HINTS = ("plaintext", "unencrypted", "insecure")


def _is_insecure(backend: KeyringBackend) -> bool:
    module = type(backend).__module__
    name = type(backend).__name__.lower()
    return module.startswith(_INSECURE_MODULE_PREFIXES) or any(
        hint in name for hint in _INSECURE_NAME_HINTS
    )


def _backend_name(backend: KeyringBackend) -> str:
    return str(getattr(backend, "name", "") or type(backend).__name__)


@dataclass(frozen=True, slots=True)
class _Resolved:
    backend: KeyringBackend | None
    status: KeychainStatus


def _classify(backend: KeyringBackend) -> _Resolved:
    """Pick the secure backend we will talk to, or explain why there is none."""
    from keyring.backends import chainer

    if isinstance(backend, chainer.ChainerBackend):
        # The chainer falls through to later backends on failure: never let it reach a
        # plaintext one. Talk to the best secure member directly instead.
        secure = [b for b in type(backend).backends if not _is_insecure(b)]
        if secure:
            return _classify(secure[0])
        return _unavailable(backend, _no_keychain_reason())
    if type(backend).__module__.startswith("keyring.backends.fail"):
        return _unavailable(backend, _no_keychain_reason())
    if type(backend).__module__.startswith("keyring.backends.null"):
        return _unavailable(
            backend, f"The keychain is switched off (null keyring). {_NOT_REMEMBERED}"
        )
    if _is_insecure(backend):
        return _unavailable(
            backend,
            f"The only password store found ({_backend_name(backend)}) keeps passwords "
            f"unencrypted on disk, so smtpwizard will not use it. {_NOT_REMEMBERED}",
        )
    return _Resolved(backend, KeychainStatus(True, _backend_name(backend), ""))


def _unavailable(backend: KeyringBackend | None, reason: str) -> _Resolved:
    name = _backend_name(backend) if backend is not None else ""
    return _Resolved(None, KeychainStatus(False, name, reason))


def _no_keychain_reason() -> str:
    return _NO_KEYCHAIN_LINUX if sys.platform.startswith("linux") else _NO_KEYCHAIN_OTHER


_resolve_lock = threading.Lock()
_resolved: _Resolved | None = None


def _resolve() -> _Resolved:
    """Runs on a worker thread: keyring's detection itself talks to D-Bus and can block."""
    global _resolved
    with _resolve_lock:
        if _resolved is None:
            try:
                _resolved = _classify(keyring.get_keyring())
            except Exception as exc:  # a broken PYTHON_KEYRING_BACKEND or keyringrc.cfg
                log.warning("keychain backend could not be loaded: %s", type(exc).__name__)
                return _unavailable(
                    None,
                    "The configured keychain could not be loaded (check PYTHON_KEYRING_BACKEND "
                    f"or keyringrc.cfg). {_NOT_REMEMBERED}",
                )
        return _resolved


def _secure_backend() -> KeyringBackend:
    resolved = _resolve()
    if resolved.backend is None:
        raise KeychainError("unavailable", resolved.status.reason)
    return resolved.backend


# --- running calls off the calling thread, with a deadline --------------------------------

_stuck_lock = threading.Lock()
_in_flight = 0


def _start(func: Callable[[], T]) -> concurrent.futures.Future[T]:
    global _in_flight
    with _stuck_lock:
        if _in_flight >= MAX_STUCK_CALLS:
            raise KeychainError(
                "timeout",
                "The keychain has stopped answering. Restart your session or type your "
                "password each time instead.",
                detail=f"{_in_flight} earlier keychain calls are still waiting",
            )
        _in_flight += 1
    future: concurrent.futures.Future[T] = concurrent.futures.Future()

    def run() -> None:
        global _in_flight
        try:
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(func())
                except BaseException as exc:
                    future.set_exception(exc)
        finally:
            with _stuck_lock:
                _in_flight -= 1

    try:
        threading.Thread(target=run, name="smtpwizard-keychain", daemon=True).start()
    except BaseException:
        with _stuck_lock:
            _in_flight -= 1
        raise
    return future


def _timeout_error(timeout: float) -> KeychainError:
    seconds = f"{timeout:g} second{'' if timeout == 1 else 's'}"
    return KeychainError(
        "timeout",
        f"The keychain did not answer within {seconds}. If it asked for your keychain "
        "password, enter it and try again; otherwise type your email password each time "
        "instead.",
        detail="timeout",
    )


def _as_keychain_error(exc: Exception, timeout: float, secret: str | None) -> KeychainError:
    if isinstance(exc, KeychainError):
        return exc
    if isinstance(exc, TimeoutError):  # also concurrent.futures.TimeoutError since 3.11
        return _timeout_error(timeout)
    return _translate(exc, secret)


async def _call_async(func: Callable[[], T], timeout: float, secret: str | None) -> T:
    future = _start(func)
    try:
        async with asyncio.timeout(timeout):
            return await asyncio.wrap_future(future)
    except Exception as exc:
        error = _as_keychain_error(exc, timeout, secret)
    # Raised outside the except block so the original exception (whose text a backend might
    # have built from the password) is not even attached as __context__.
    raise error


def _call_sync(func: Callable[[], T], timeout: float, secret: str | None) -> T:
    future = _start(func)
    try:
        return future.result(timeout)
    except Exception as exc:
        future.cancel()
        error = _as_keychain_error(exc, timeout, secret)
    raise error


_DENIED_HINTS = ("denied", "not allowed", "-128", "-25293", "user canceled", "user cancelled")
_LOCKED_TYPES = ("KeyringLocked", "LockedException", "PromptDismissedException")
_UNAVAILABLE_TYPES = ("NoKeyringError", "SecretServiceNotAvailableException", "InitError")


def _translate(exc: BaseException, secret: str | None) -> KeychainError:
    """Map any backend failure onto one KeychainError; the password never survives this."""
    text = str(exc)
    if secret:
        text = text.replace(secret, "***")
    detail = f"{type(exc).__name__}: {text}"[:500]
    lowered = text.lower()
    names = {cls.__name__ for cls in type(exc).__mro__}
    kind: KeychainErrorKind
    # InitError "Failed to create the collection: Prompt dismissed" is a locked keychain whose
    # unlock prompt could not be shown, so "prompt dismissed" wins over InitError.
    if names & set(_LOCKED_TYPES) or "prompt dismissed" in lowered:
        kind = "locked"
    elif (
        names & set(_UNAVAILABLE_TYPES)
        or isinstance(exc, ConnectionError | FileNotFoundError)
        or "serviceunknown" in lowered  # the D-Bus name vanished: the daemon is gone
    ):
        kind = "unavailable"
    elif isinstance(exc, PermissionError) or any(hint in lowered for hint in _DENIED_HINTS):
        kind = "denied"
    else:
        kind = "failed"
    log.info("keychain call failed: %s (%s)", kind, type(exc).__name__)
    if kind == "unavailable":
        return KeychainError(kind, _no_keychain_reason(), detail=detail)
    return KeychainError(kind, detail=detail)


# --- the public calls ----------------------------------------------------------------------


def _check_key(key: str) -> None:
    if not key or not isinstance(key, str):
        raise InputError("The keychain entry name is empty.")
    refuse_control_characters(key, "keychain entry name")


def _status() -> KeychainStatus:
    return _resolve().status


def _save(key: str, password: str) -> None:
    _secure_backend().set_password(SERVICE_NAME, key, password)


def _load(key: str) -> str | None:
    return _secure_backend().get_password(SERVICE_NAME, key)


def _delete(key: str) -> None:
    # "No such password": nothing stored is the outcome the caller wanted. A locked keychain
    # raises KeyringLocked before this point, so real failures still surface.
    with contextlib.suppress(keyring.errors.PasswordDeleteError):
        _secure_backend().delete_password(SERVICE_NAME, key)


def _check_password(password: str) -> None:
    if not isinstance(password, str) or not password:
        raise InputError("There is no password to remember.", "password")
    if "\x00" in password:
        raise InputError("The password contains a NUL character, which is not allowed.", "password")


async def keychain_status(timeout: float = DEFAULT_TIMEOUT) -> KeychainStatus:
    """Whether passwords can be remembered; never raises, never prompts the user."""
    try:
        return await _call_async(_status, timeout, None)
    except KeychainError as exc:
        return KeychainStatus(False, "", exc.message)


def keychain_status_sync(timeout: float = DEFAULT_TIMEOUT) -> KeychainStatus:
    try:
        return _call_sync(_status, timeout, None)
    except KeychainError as exc:
        return KeychainStatus(False, "", exc.message)


async def save_password(key: str, password: str, timeout: float = DEFAULT_TIMEOUT) -> None:
    _check_key(key)
    _check_password(password)
    await _call_async(lambda: _save(key, password), timeout, password)


async def load_password(key: str, timeout: float = DEFAULT_TIMEOUT) -> str | None:
    """The stored password, or None when nothing is stored under `key`."""
    _check_key(key)
    return await _call_async(lambda: _load(key), timeout, None)


async def delete_password(key: str, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Forget the password; forgetting one that was never stored is not an error."""
    _check_key(key)
    await _call_async(lambda: _delete(key), timeout, None)


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
            error = _translate(exc, password)
        else:
            _delete(old_key)
            return True
        raise error

    return await _call_async(move, timeout, None)


def save_password_sync(key: str, password: str, timeout: float = DEFAULT_TIMEOUT) -> None:
    _check_key(key)
    _check_password(password)
    _call_sync(lambda: _save(key, password), timeout, password)


def load_password_sync(key: str, timeout: float = DEFAULT_TIMEOUT) -> str | None:
    _check_key(key)
    return _call_sync(lambda: _load(key), timeout, None)


def delete_password_sync(key: str, timeout: float = DEFAULT_TIMEOUT) -> None:
    _check_key(key)
    _call_sync(lambda: _delete(key), timeout, None)
