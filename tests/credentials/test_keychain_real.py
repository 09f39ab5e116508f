"""Against a real Secret Service (gnome-keyring): the shared unlocked one from
scripts/with-keyring, and private ones (locked, frozen) started per test in their own D-Bus
session so the shared keychain is never locked or frozen."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest

from smtpwizard.core import credentials as c
from smtpwizard.core.settings import Security, ServerSettings

from .private_keychain import PASSWORD, run_scenario

pytestmark = pytest.mark.keychain
SECRET = "pä55 wörd with spaces & 'quotes' \u2603"


def secret_tool_lookup(key: str) -> subprocess.CompletedProcess[str]:
    """libsecret's own client, in another process: sees what other apps would see."""
    return subprocess.run(
        ["secret-tool", "lookup", "service", c.SERVICE_NAME, "username", key],
        capture_output=True,
        text=True,
        timeout=10,
    )


@pytest.fixture
def key() -> str:
    settings = ServerSettings(
        f"smtp-{uuid.uuid4().hex[:8]}.example.com", 587, Security.STARTTLS, "anna@example.com"
    )
    return c.credential_key(settings)


async def test_status_names_a_real_keychain() -> None:
    status = await c.keychain_status()
    assert status.available is True
    assert status.backend_name == "SecretService Keyring"
    assert status.reason == ""
    assert c.keychain_status_sync() == status


async def test_round_trip_seen_by_another_process(key: str) -> None:
    assert await c.load_password(key) is None
    await c.save_password(key, SECRET)
    assert await c.load_password(key) == SECRET
    seen = secret_tool_lookup(key)
    assert seen.returncode == 0 and seen.stdout == SECRET
    await c.save_password(key, "replaced")
    assert secret_tool_lookup(key).stdout == "replaced"
    await c.delete_password(key)
    assert await c.load_password(key) is None
    assert secret_tool_lookup(key).stdout == ""
    await c.delete_password(key)  # forgetting twice is fine


def test_sync_wrappers_round_trip(key: str) -> None:
    c.save_password_sync(key, SECRET)
    assert c.load_password_sync(key) == SECRET
    assert secret_tool_lookup(key).stdout == SECRET
    c.delete_password_sync(key)
    assert c.load_password_sync(key) is None


async def test_move_password_between_ports(key: str) -> None:
    new_key = key.replace(":587", ":465")
    await c.save_password(key, SECRET)
    assert await c.move_password(key, new_key) is True
    assert await c.load_password(key) is None
    assert secret_tool_lookup(new_key).stdout == SECRET
    await c.delete_password(new_key)


def check_locked(observed: dict[str, dict[str, object]]) -> None:
    for call in ("load", "save", "delete", "load_async"):
        attempt = observed[call]
        assert attempt["kind"] == "locked", observed
        assert attempt["message"] == (
            "Your keychain is locked. Unlock it (or sign in again) and try once more, or type "
            "your password each time instead."
        )
        assert float(attempt["seconds"]) < 5.0  # type: ignore[arg-type]  # within the deadline
        assert PASSWORD not in str(attempt["text"])


def test_login_keychain_left_locked_at_sign_in(tmp_path: Path) -> None:
    # First session creates the login keychain (unlocked); the second starts it without the
    # password, as when a login does not unlock it.
    assert run_scenario("store", tmp_path, unlock=True) == {"stored": True}
    check_locked(run_scenario("use-locked", tmp_path, unlock=False))


def test_collection_locked_over_dbus(tmp_path: Path) -> None:
    observed = run_scenario("lock-then-use", tmp_path, unlock=True)
    assert observed["locked"] is True
    check_locked(observed)


def test_no_keychain_yet_and_no_prompt_possible(tmp_path: Path) -> None:
    # gnome-keyring raises InitError "Prompt dismissed": it cannot ask to create one.
    check_locked(run_scenario("use-locked", tmp_path, unlock=False))


def test_frozen_keychain_daemon_times_out_and_does_not_block_exit(tmp_path: Path) -> None:
    observed = run_scenario("frozen", tmp_path, unlock=True)
    load = observed["load"]
    assert load["kind"] == "timeout", observed
    # The deadline was 1 s; the slack only absorbs a busy machine, a hang would be far longer.
    assert 1.0 <= load["seconds"] < 3.0, observed
    assert PASSWORD not in load["text"]
    # A fresh process whose keychain call hangs still reports and exits promptly.
    assert observed["child_kind"] == "timeout", observed
    assert observed["child_seconds"] < 8.0, observed
    # Once the daemon runs again, the same process works again.
    assert observed["after_thaw"]["kind"] is None, observed
    assert observed["after_thaw"]["value"] == PASSWORD
