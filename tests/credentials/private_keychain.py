"""Run a scenario inside a private D-Bus session with its own gnome-keyring and HOME.

Used by the tests to create keychain states the shared test session must not be put into
(locked, frozen). `run_scenario` is called from the tests; `python private_keychain.py NAME`
is what runs inside the private session and prints one JSON line with what it observed.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
KEY = "anna@example.com@smtp.example.com:587"
PASSWORD = "correct horse battery staple 7"

_START = {
    # --unlock creates (or opens) the login keyring with this password: an unlocked keychain.
    True: 'eval "$(printf %s test-pass | gnome-keyring-daemon --unlock --components=secrets)"',
    # --start without a password leaves an existing login keyring locked, as after a login
    # that did not unlock it; with no keyring at all, creating one needs a prompt.
    False: 'eval "$(gnome-keyring-daemon --start --components=secrets)"',
}


def private_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "GNOME_KEYRING"))}
    env.pop("PYTHON_KEYRING_BACKEND", None)
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_RUNTIME_DIR=str(home / "run"),
    )
    (home / "run").mkdir(mode=0o700, exist_ok=True)
    return env


def run_scenario(name: str, home: Path, *, unlock: bool, timeout: float = 30) -> dict[str, Any]:
    script = f'{_START[unlock]}; export GNOME_KEYRING_CONTROL; exec "$@"'
    command = ["dbus-run-session", "--", "sh", "-c", script, "sh"]
    command += [sys.executable, str(HERE / "private_keychain.py"), name]
    result = subprocess.run(
        command, env=private_env(home), capture_output=True, text=True, timeout=timeout
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert result.returncode == 0 and lines, f"scenario {name} failed:\n{result.stderr[-3000:]}"
    observed: dict[str, Any] = json.loads(lines[-1])
    return observed


# --- inside the private session -------------------------------------------------------------


def _attempt(call: Any) -> dict[str, Any]:
    from smtpwizard.core.credentials import KeychainError

    started = time.monotonic()
    try:
        value = call()
    except KeychainError as exc:
        return {
            "kind": exc.kind,
            "title": exc.title,
            "message": exc.message,
            "text": f"{exc!s} {exc!r} {exc.detail}",
            "seconds": time.monotonic() - started,
        }
    return {"kind": None, "value": value, "seconds": time.monotonic() - started}


def _secret_service_pid() -> int:
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    with open_dbus_connection(bus="SESSION") as connection:
        reply = connection.send_and_get_reply(
            message_bus.GetConnectionUnixProcessID("org.freedesktop.secrets"), timeout=5
        )
    return int(reply.body[0])


def _scenario(name: str) -> dict[str, Any]:
    from smtpwizard.core import credentials as c

    if name == "store":
        c.save_password_sync(KEY, PASSWORD)
        return {"stored": c.load_password_sync(KEY) == PASSWORD}
    if name == "use-locked":
        return {
            "status": c.keychain_status_sync().available,
            "load": _attempt(lambda: c.load_password_sync(KEY, timeout=5)),
            "save": _attempt(lambda: c.save_password_sync(KEY, PASSWORD, timeout=5)),
            "delete": _attempt(lambda: c.delete_password_sync(KEY, timeout=5)),
            "load_async": _attempt(lambda: asyncio.run(c.load_password(KEY, timeout=5))),
        }
    if name == "lock-then-use":
        import secretstorage

        c.save_password_sync(KEY, PASSWORD)
        connection = secretstorage.dbus_init()
        collection = secretstorage.get_default_collection(connection)
        collection.lock()
        observed = {"locked": collection.is_locked(), **_scenario("use-locked")}
        return observed
    if name == "frozen":
        c.save_password_sync(KEY, PASSWORD)
        pid = _secret_service_pid()
        os.kill(pid, signal.SIGSTOP)
        try:
            in_process = _attempt(lambda: asyncio.run(c.load_password(KEY, timeout=1.0)))
            # A fresh process whose only keychain call hangs must still exit promptly.
            code = (
                "from smtpwizard.core import credentials as c\n"
                f"try:\n    c.load_password_sync({KEY!r}, timeout=1.0)\n"
                "except c.KeychainError as e:\n    print(e.kind)\n"
            )
            started = time.monotonic()
            child = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, timeout=20
            )
            child_seconds = time.monotonic() - started
        finally:
            os.kill(pid, signal.SIGCONT)
        after = _attempt(lambda: c.load_password_sync(KEY, timeout=5))
        return {
            "load": in_process,
            "child_kind": child.stdout.strip(),
            "child_seconds": child_seconds,
            "after_thaw": after,
        }
    raise SystemExit(f"unknown scenario {name}")


if __name__ == "__main__":
    print(json.dumps(_scenario(sys.argv[1])), flush=True)
