"""No usable keychain at all, detected by keyring itself in a fresh process (no test doubles):
the status says so in plain words and every call fails fast with kind "unavailable"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

PROBE = """
import json, time
from smtpwizard.core import credentials as c
status = c.keychain_status_sync()
started = time.monotonic()
try:
    c.save_password_sync("anna@smtp.example.com:587", "s3cret-probe")
    kind = None
except c.KeychainError as exc:
    kind, message = exc.kind, exc.message
print(json.dumps({"available": status.available, "backend": status.backend_name,
    "reason": status.reason, "kind": kind, "message": message,
    "seconds": time.monotonic() - started}))
"""


def probe(**env_changes: str) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
    env.update(env_changes)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    observed: dict[str, object] = json.loads(result.stdout)
    observed["process_seconds"] = time.monotonic() - started
    assert "s3cret-probe" not in result.stdout + result.stderr
    return observed


def test_no_secret_service_on_the_bus() -> None:
    observed = probe(DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/smtpwizard-test-bus")
    assert observed["available"] is False
    assert observed["reason"] == (
        "No system keychain was found (Secret Service is not running). Your password will not "
        "be remembered; you will type it each time."
    )
    assert observed["kind"] == "unavailable"
    assert observed["seconds"] < 1.0  # type: ignore[operator]


@pytest.mark.parametrize(
    ("backend", "reason_part"),
    [
        ("keyring.backends.fail.Keyring", "No system keychain was found"),
        ("keyring.backends.null.Keyring", "switched off"),
        ("no_such_module.Keyring", "could not be loaded"),
    ],
)
def test_configured_backend_that_cannot_keep_secrets(backend: str, reason_part: str) -> None:
    observed = probe(PYTHON_KEYRING_BACKEND=backend)
    assert observed["available"] is False
    assert reason_part in str(observed["reason"])
    assert "you will type it each time" in str(observed["reason"])
    assert observed["kind"] == "unavailable"


def test_chainer_with_nothing_viable() -> None:
    observed = probe(
        PYTHON_KEYRING_BACKEND="keyring.backends.chainer.ChainerBackend",
        DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/smtpwizard-test-bus",
    )
    assert observed["available"] is False
    assert observed["kind"] == "unavailable"
