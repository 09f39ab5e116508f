"""Where smtpwizard keeps its files, and the GUI's own small state (window geometry and such).

Kept apart from profiles.py on purpose: the wizard reads this before its first paint, so it
imports as little as possible.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any

from .atomic import UnreadableFile, atomic_write_bytes, move_aside, read_bytes_limited

log = logging.getLogger(__name__)

CONFIG_DIR_ENV = "SMTPWIZARD_CONFIG_DIR"
APP_STATE_VERSION = 1
MAX_FILE_BYTES = 1024 * 1024
# A value under a key like these is a secret and never goes into a file we write.
SECRET_KEY = re.compile(r"(pass(word|wd|phrase)?|secret|token|api_?key)$", re.IGNORECASE)


class AppStateError(OSError):
    """The state file could not be written; the message says where and why."""


def config_dir() -> Path:
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_path

    return user_config_path("smtpwizard")


def _app_state_path() -> Path:
    return config_dir() / "app-state.json"


def load_app_state() -> dict[str, Any]:
    """The saved state, or {} when there is none or it is damaged (then moved aside)."""
    path = _app_state_path()
    if not path.exists():
        return {}
    try:
        import json  # only when there is a file: the wizard reads it before its first paint

        data = json.loads(read_bytes_limited(path, MAX_FILE_BYTES).decode("utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("state"), dict):
            raise ValueError("it does not hold an object called state")
    except (UnreadableFile, UnicodeDecodeError, ValueError, RecursionError, OSError) as exc:
        moved = move_aside(path)
        log.warning("app state %s unreadable (%s); moved to %s", path, exc, moved)
        return {}
    state: dict[str, Any] = data["state"]
    return state


def save_app_state(state: dict[str, Any]) -> Path:
    """Save JSON-compatible state atomically. Secret-looking values are refused (ValueError)."""
    refuse_secrets(state)
    import json

    text = json.dumps({"version": APP_STATE_VERSION, "state": state}, indent=2, allow_nan=False)
    data = text.encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise ValueError("The application state is too large to save.")
    path = _app_state_path()
    try:
        atomic_write_bytes(path, data, mode=0o600)
    except OSError as exc:
        raise AppStateError(f"The window settings could not be saved in {path}: {exc}") from None
    return path


def refuse_secrets(value: object, path: str = "state") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if SECRET_KEY.search(str(key)) and not isinstance(item, bool | None):
                raise ValueError(
                    f"{path}.{key} looks like a secret; secrets belong in the keychain."
                )
            refuse_secrets(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            refuse_secrets(item, f"{path}[{index}]")
