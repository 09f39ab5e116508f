"""Keychain calls on their own daemon threads with a deadline, and their errors translated.

Why not a ThreadPoolExecutor or asyncio.to_thread: their workers are joined when the interpreter
exits, so one stuck call (a locked collection, a frozen daemon, an unanswered unlock prompt)
would also stop the program from quitting. Daemon threads are not joined; a few stuck ones are
tolerated, after which we refuse at once instead of piling up more.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from .errors import KeychainError, KeychainErrorKind, no_keychain_reason

__all__ = ["MAX_STUCK_CALLS", "call_async", "call_sync", "translate_error"]

log = logging.getLogger("smtpwizard.core.credentials")
MAX_STUCK_CALLS = 4
T = TypeVar("T")

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
    return translate_error(exc, secret)


async def call_async(func: Callable[[], T], timeout: float, secret: str | None) -> T:
    future = _start(func)
    try:
        async with asyncio.timeout(timeout):
            return await asyncio.wrap_future(future)
    except Exception as exc:
        error = _as_keychain_error(exc, timeout, secret)
    # Raised outside the except block so the original exception (whose text a backend might
    # have built from the password) is not even attached as __context__.
    raise error


def call_sync(func: Callable[[], T], timeout: float, secret: str | None) -> T:
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


def translate_error(exc: BaseException, secret: str | None) -> KeychainError:
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
        return KeychainError(kind, no_keychain_reason(), detail=detail)
    return KeychainError(kind, detail=detail)
