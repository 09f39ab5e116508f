"""Which keychain backend we talk to: the best secure one keyring finds, never a plaintext one."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import keyring
from keyring.backend import KeyringBackend

from .errors import NOT_REMEMBERED, KeychainError, KeychainStatus, no_keychain_reason

__all__ = ["resolve_backend", "secure_backend", "set_backend"]

log = logging.getLogger("smtpwizard.core.credentials")

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


def classify_backend(backend: KeyringBackend) -> _Resolved:
    """Pick the secure backend we will talk to, or explain why there is none."""
    from keyring.backends import chainer

    if isinstance(backend, chainer.ChainerBackend):
        # The chainer falls through to later backends on failure: never let it reach a
        # plaintext one. Talk to the best secure member directly instead.
        secure = [b for b in type(backend).backends if not _is_insecure(b)]
        if secure:
            return classify_backend(secure[0])
        return _unavailable(backend, no_keychain_reason())
    if type(backend).__module__.startswith("keyring.backends.fail"):
        return _unavailable(backend, no_keychain_reason())
    if type(backend).__module__.startswith("keyring.backends.null"):
        return _unavailable(
            backend, f"The keychain is switched off (null keyring). {NOT_REMEMBERED}"
        )
    if _is_insecure(backend):
        return _unavailable(
            backend,
            f"The only password store found ({_backend_name(backend)}) keeps passwords "
            f"unencrypted on disk, so smtpwizard will not use it. {NOT_REMEMBERED}",
        )
    return _Resolved(backend, KeychainStatus(True, _backend_name(backend), ""))


def _unavailable(backend: KeyringBackend | None, reason: str) -> _Resolved:
    name = _backend_name(backend) if backend is not None else ""
    return _Resolved(None, KeychainStatus(False, name, reason))


_resolve_lock = threading.Lock()
_resolved: _Resolved | None = None


def resolve_backend() -> _Resolved:
    """Runs on a worker thread: keyring's detection itself talks to D-Bus and can block."""
    global _resolved
    with _resolve_lock:
        if _resolved is None:
            try:
                _resolved = classify_backend(keyring.get_keyring())
            except Exception as exc:  # a broken PYTHON_KEYRING_BACKEND or keyringrc.cfg
                log.warning("keychain backend could not be loaded: %s", type(exc).__name__)
                return _unavailable(
                    None,
                    "The configured keychain could not be loaded (check PYTHON_KEYRING_BACKEND "
                    f"or keyringrc.cfg). {NOT_REMEMBERED}",
                )
        return _resolved


def secure_backend() -> KeyringBackend:
    resolved = resolve_backend()
    if resolved.backend is None:
        raise KeychainError("unavailable", resolved.status.reason)
    return resolved.backend


def set_backend(backend: KeyringBackend | None) -> None:
    """Use this backend from now on (None: detect the system's again). It is still checked:
    a plaintext or fail backend makes the keychain "unavailable"."""
    global _resolved
    with _resolve_lock:
        _resolved = None if backend is None else classify_backend(backend)
