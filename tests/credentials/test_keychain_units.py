"""Keychain logic that needs no Secret Service: key scheme, deadlines, error mapping, refusing
insecure backends. Backends here are test doubles (units); the real proofs are in
test_keychain_real.py."""

from __future__ import annotations

import importlib.util
import logging
import threading
import time
import traceback
from collections.abc import Iterator
from typing import ClassVar

import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.compat import properties

from smtpwizard.core import credentials as c
from smtpwizard.core.errors import InputError, SmtpWizardError
from smtpwizard.core.settings import Security, ServerSettings

SECRET = "Tr0ub4dor&3-unit"


class _Double(KeyringBackend):
    """Never picked by keyring's own detection: its priority says it is not viable."""

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("test double: never selected by keyring's detection")

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, ...]] = []
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        self.calls.append(("get", service, username))
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls.append(("set", service, username, password))
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.calls.append(("delete", service, username))
        if self.store.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("No such password!")


class SlowBackend(_Double):
    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(30)
        return super().get_password(service, username)


class RaisingBackend(_Double):
    def __init__(self, exc: Exception) -> None:
        super().__init__()
        self.exc = exc

    def get_password(self, service: str, username: str) -> str | None:
        raise self.exc

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.exc


class PlaintextKeyring(_Double):
    """Named like keyrings.alt's base64 file backend."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


@pytest.fixture
def slow() -> Iterator[SlowBackend]:
    backend = SlowBackend()
    c.set_backend(backend)
    yield backend
    backend.release.set()
    for thread in threading.enumerate():
        if thread.name == "smtpwizard-keychain":
            thread.join(5)


def settings(
    host: str = "smtp.example.com", port: int = 587, user: str | None = "Anna"
) -> ServerSettings:
    return ServerSettings(host=host, port=port, security=Security.STARTTLS, username=user)


def test_credential_key_scheme() -> None:
    assert c.credential_key(settings()) == "Anna@smtp.example.com:587"
    assert (
        c.credential_key(settings(user="anna@example.com"))
        == "anna@example.com@smtp.example.com:587"
    )
    assert c.credential_key(settings(host="::1", port=25)) == "Anna@[::1]:25"
    # The security mode is not part of the key: switching STARTTLS <-> SSL/TLS keeps the password.
    tls = ServerSettings("smtp.example.com", 587, Security.TLS, "Anna")
    assert c.credential_key(tls) == c.credential_key(settings())
    assert c.credential_key(settings(port=465)) != c.credential_key(settings())
    assert c.SERVICE_NAME == "smtpwizard"


def test_credential_key_refuses_missing_username_and_line_breaks() -> None:
    with pytest.raises(InputError, match="no username"):
        c.credential_key(settings(user=None))
    with pytest.raises(InputError, match="line break"):
        c.credential_key(settings(user="anna\r\nRCPT TO:<x>"))


async def test_slow_backend_times_out_instead_of_hanging(slow: SlowBackend) -> None:
    started = time.monotonic()
    with pytest.raises(c.KeychainError) as caught:
        await c.load_password("k", timeout=0.2)
    elapsed = time.monotonic() - started
    assert caught.value.kind == "timeout"
    assert 0.2 <= elapsed < 1.5
    assert "did not answer within 0.2 seconds" in caught.value.message
    assert isinstance(caught.value, SmtpWizardError)


def test_slow_backend_times_out_in_sync_wrapper(slow: SlowBackend) -> None:
    started = time.monotonic()
    with pytest.raises(c.KeychainError) as caught:
        c.load_password_sync("k", timeout=0.2)
    assert caught.value.kind == "timeout"
    assert time.monotonic() - started < 1.5


def test_stuck_calls_are_capped_then_refused_at_once(slow: SlowBackend) -> None:
    for _ in range(c.MAX_STUCK_CALLS):
        with pytest.raises(c.KeychainError):
            c.load_password_sync("k", timeout=0.05)
    started = time.monotonic()
    with pytest.raises(c.KeychainError) as caught:
        c.load_password_sync("k", timeout=5)
    assert caught.value.kind == "timeout"
    assert "stopped answering" in caught.value.message
    assert time.monotonic() - started < 1.0  # refused without waiting out the 5 s
    # Once the keychain answers again, calls work again.
    slow.release.set()
    for thread in threading.enumerate():
        if thread.name == "smtpwizard-keychain":
            thread.join(5)
    slow.store[(c.SERVICE_NAME, "k")] = "back"
    assert c.load_password_sync("k", timeout=5) == "back"


def test_double_round_trip_and_idempotent_delete() -> None:
    backend = _Double()
    c.set_backend(backend)
    c.save_password_sync("Anna@h:587", SECRET)
    assert backend.store == {("smtpwizard", "Anna@h:587"): SECRET}
    assert c.load_password_sync("Anna@h:587") == SECRET
    c.delete_password_sync("Anna@h:587")
    c.delete_password_sync("Anna@h:587")  # nothing stored: not an error
    assert c.load_password_sync("Anna@h:587") is None


async def test_move_password_refiles_under_the_new_key() -> None:
    backend = _Double()
    c.set_backend(backend)
    await c.save_password("Anna@h:587", SECRET)
    assert await c.move_password("Anna@h:587", "Anna@h:465") is True
    assert backend.store == {("smtpwizard", "Anna@h:465"): SECRET}
    assert await c.move_password("Anna@h:587", "Anna@h:2525") is False


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (keyring.errors.NoKeyringError("No recommended backend"), "unavailable"),
        (keyring.errors.InitError("Failed to create the collection: Prompt dismissed.."), "locked"),
        (keyring.errors.KeyringLocked("Failed to unlock the collection!"), "locked"),
        (keyring.errors.InitError("Failed to create the collection: bus gone."), "unavailable"),
        (OSError("org.freedesktop.DBus.Error.ServiceUnknown: no owner"), "unavailable"),
        (keyring.errors.PasswordSetError("Can't store password on keychain"), "failed"),
        (keyring.errors.KeyringError("(-25293, 'access denied')"), "denied"),
        (keyring.errors.KeyringError("something odd"), "failed"),
        (PermissionError("no"), "denied"),
        (OSError("disk on fire"), "failed"),
    ],
)
def test_backend_failures_become_one_domain_error(exc: Exception, kind: str) -> None:
    c.set_backend(RaisingBackend(exc))
    for call in (lambda: c.load_password_sync("k"), lambda: c.save_password_sync("k", SECRET)):
        with pytest.raises(c.KeychainError) as caught:
            call()
        assert caught.value.kind == kind
        assert caught.value.title and caught.value.message
        assert type(exc).__name__ in caught.value.detail


def test_password_never_reaches_exception_text_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    c.set_backend(RaisingBackend(keyring.errors.PasswordSetError(f"cannot store {SECRET!r}")))
    with pytest.raises(c.KeychainError) as caught:
        c.save_password_sync("k", SECRET)
    error = caught.value
    rendered = "".join(traceback.format_exception(error))
    for text in (str(error), repr(error), error.message, error.title, error.detail, rendered):
        assert SECRET not in text
    assert "***" in error.detail  # the backend's text is kept, with the secret blanked out
    assert error.__context__ is None and error.__cause__ is None
    assert caplog.records and SECRET not in caplog.text


@pytest.mark.parametrize(
    "backend",
    [fail.Keyring(), null.Keyring(), PlaintextKeyring()],
    ids=["fail", "null", "keyrings.alt-plaintext"],
)
def test_insecure_backends_are_unavailable_and_never_see_a_password(
    backend: KeyringBackend,
) -> None:
    c.set_backend(backend)
    status = c.keychain_status_sync()
    assert status.available is False
    assert "will not be remembered" in status.reason
    with pytest.raises(c.KeychainError) as caught:
        c.save_password_sync("k", SECRET)
    assert caught.value.kind == "unavailable"
    assert getattr(backend, "calls", []) == []


def test_plaintext_reason_names_the_store() -> None:
    c.set_backend(PlaintextKeyring())
    reason = c.keychain_status_sync().reason
    assert "unencrypted" in reason and "PlaintextKeyring" in reason


def test_chainer_never_reaches_its_plaintext_member() -> None:
    secure = _Double()
    plaintext = PlaintextKeyring()

    class Mixed(chainer.ChainerBackend):
        backends: ClassVar = [plaintext, secure]  # the plaintext one first: worst case
        viable = False  # ChainerBackend claims viable = True: keep detection away from it

    c.set_backend(Mixed())
    assert c.keychain_status_sync().available is True
    c.save_password_sync("k", SECRET)
    assert plaintext.calls == [] and secure.store == {("smtpwizard", "k"): SECRET}

    class OnlyPlaintext(chainer.ChainerBackend):
        backends: ClassVar = [plaintext]
        viable = False  # ChainerBackend claims viable = True: keep detection away from it

    c.set_backend(OnlyPlaintext())
    assert c.keychain_status_sync().available is False


def test_doubles_are_never_auto_selected() -> None:
    from keyring.backend import get_all_keyring

    assert not any(type(b).__module__ == __name__ for b in get_all_keyring())


def test_keyrings_alt_is_not_installed() -> None:
    # Merely installing keyrings.alt makes a base64 "PlaintextKeyring" the default backend.
    assert (
        importlib.util.find_spec("keyrings") is None
        or importlib.util.find_spec("keyrings.alt") is None
    )


def test_bad_input_is_refused_before_any_keychain_call() -> None:
    backend = _Double()
    c.set_backend(backend)
    with pytest.raises(InputError):
        c.save_password_sync("k", "")
    with pytest.raises(InputError):
        c.save_password_sync("", SECRET)
    with pytest.raises(InputError):
        c.load_password_sync("a\nb")
    assert backend.calls == []
