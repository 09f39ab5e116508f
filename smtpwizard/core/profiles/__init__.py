"""Saved profiles (server + account + last check, never a password) and the GUI's small state.

Files live in <config>/profiles/<safe name>.json, where <config> is SMTPWIZARD_CONFIG_DIR when
set (tests, portable use) and platformdirs' user config folder otherwise. Every write is atomic
(core.atomic), so a crash leaves the old or the new file. A file we cannot read is moved aside
to "<file>.corrupt-<time>" and reported, so one damaged file never stops the program starting.
Values read back pass through core.inputs like anything typed, since files can be edited by
hand or damaged.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from pathlib import Path

from ..app_state import (
    CONFIG_DIR_ENV,
    config_dir,
    load_app_state,
    refuse_secrets,
    save_app_state,
)
from ..atomic import (
    UnreadableFile,
    atomic_write_bytes,
    move_aside,
    read_bytes_limited,
    remove_stale_temp_files,
    sweep_stale_temp_files,
)
from .model import (
    MAX_FILE_BYTES,
    WINDOWS_RESERVED,
    CheckSummary,
    NewerVersion,
    Profile,
    ProfileError,
    ProfileList,
    ProfileProblem,
    ProfileSummary,
    SignInMethod,
    check_profile_name,
    parse_profile,
)

__all__ = [
    "CONFIG_DIR_ENV",
    "CheckSummary",
    "Profile",
    "ProfileError",
    "ProfileList",
    "ProfileProblem",
    "ProfileSummary",
    "SignInMethod",
    "check_profile_name",
    "config_dir",
    "delete_profile",
    "list_profiles",
    "load_app_state",
    "load_profile",
    "profile_path",
    "profiles_dir",
    "save_app_state",
    "save_profile",
]

log = logging.getLogger(__name__)

# --- where files go -------------------------------------------------------------------------


def profiles_dir() -> Path:
    return config_dir() / "profiles"


def _file_stem(name: str) -> str:
    """A file name safe on every system; names that differ only in case or accents get
    different files thanks to a short hash of the exact name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:48].strip("-") or "profile"
    if slug != name or slug in WINDOWS_RESERVED:
        import hashlib  # here: it loads OpenSSL's libcrypto, 3.5 MiB the idle wizard never needs

        slug = f"{slug}-{hashlib.sha256(name.encode('utf-8')).hexdigest()[:8]}"
    return slug


def profile_path(name: str) -> Path:
    folder = profiles_dir()
    path = folder / f"{_file_stem(check_profile_name(name))}.json"
    if path.parent != folder:  # cannot happen with the slug; a last line of defence
        raise ProfileError("That profile name cannot be used as a file name.")
    return path


# --- reading and writing files ---------------------------------------------------------------


class _Damaged(Exception):
    """The file cannot be read as a profile; moving it aside is the right thing."""


def _read_json(path: Path) -> object:
    try:
        return json.loads(read_bytes_limited(path, MAX_FILE_BYTES).decode("utf-8"))
    except UnreadableFile as exc:
        raise _Damaged(str(exc)) from None
    # ValueError too: json refuses integers over 4300 digits with a plain ValueError.
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _Damaged(f"it is not valid JSON ({type(exc).__name__})") from None


def _read_profile(path: Path) -> Profile:
    data = _read_json(path)
    try:
        return parse_profile(data)
    except NewerVersion:
        raise
    except ProfileError as exc:
        raise _Damaged(exc.message) from None


def _damaged_message(path: Path, reason: str, moved_to: Path | None) -> str:
    where = f"It was moved aside to {moved_to.name}" if moved_to else "It could not be moved aside"
    return (
        f"The saved profile file {path.name} is damaged and was skipped: {reason}. {where}; "
        "set this profile up again, or restore the file from a backup."
    )


def list_profiles() -> ProfileList:
    folder = profiles_dir()
    summaries: list[ProfileSummary] = []
    problems: list[ProfileProblem] = []
    if not folder.is_dir():
        return ProfileList(summaries, problems)
    sweep_stale_temp_files(folder)
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith("."):
            continue
        try:
            profile = _read_profile(path)
        except NewerVersion as exc:
            problems.append(ProfileProblem(path, exc.message, None))
            continue
        except _Damaged as exc:
            moved = move_aside(path)
            problems.append(ProfileProblem(path, _damaged_message(path, str(exc), moved), moved))
            continue
        except OSError as exc:  # unreadable is not damaged: leave it where it is
            problems.append(ProfileProblem(path, _os_message("read", path, exc), None))
            continue
        summaries.append(ProfileSummary.of(profile, path))
    summaries.sort(key=lambda summary: (summary.name.casefold(), summary.name))
    return ProfileList(summaries, problems)


def _unknown(name: str) -> ProfileError:
    name = check_profile_name(name)  # trimmed: "work\r" must not echo a raw CR to a terminal
    names = tuple(summary.name for summary in list_profiles())
    known = ", ".join(f"“{n}”" for n in names) if names else "none yet"
    return ProfileError(
        f"There is no saved profile called “{name}”. Saved profiles: {known}.",
        title="No such profile",
        available=names,
    )


def _existing_path(name: str) -> Path | None:
    path = profile_path(name)
    if path.exists():
        return path
    # A file renamed by hand still holds its name: find it by that.
    return next((s.path for s in list_profiles() if s.name == check_profile_name(name)), None)


def load_profile(name: str) -> Profile:
    path = _existing_path(name)
    if path is None:
        raise _unknown(name)
    try:
        return _read_profile(path)
    except _Damaged as exc:
        moved = move_aside(path)
        raise ProfileError(_damaged_message(path, str(exc), moved), moved_to=moved) from None
    except OSError as exc:
        raise ProfileError(_os_message("read", path, exc)) from None


def _os_message(action: str, path: Path, exc: OSError) -> str:
    return (
        f"The file {path} could not be {action}: {exc.strerror or exc}. Check that the folder "
        "exists and that you may write to it."
    )


def save_profile(profile: Profile) -> Path:
    """Write the profile (0o600, atomically) and return its file. Never writes a password."""
    try:
        # Written in the normalised form we read back (host in IDNA lower case, trimmed
        # names), so what is on disk is exactly what load_profile returns.
        data = parse_profile(profile.to_dict()).to_dict()
        refuse_secrets(data, "profile")
    except (ProfileError, ValueError) as exc:
        raise ProfileError(f"This profile cannot be saved: {exc}") from None
    path = profile_path(data["name"])
    if path.exists():
        try:
            existing = _read_json(path)
        except (_Damaged, OSError):
            existing = None
        if isinstance(existing, dict) and existing.get("name") not in (None, data["name"]):
            raise ProfileError(
                f"The file for “{data['name']}” already holds the profile "
                f"“{existing.get('name')}”. Please choose another name."
            )
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    try:
        atomic_write_bytes(path, text.encode("utf-8"), mode=0o600)
    except OSError as exc:
        raise ProfileError(_os_message("saved", path, exc)) from None
    return path


def delete_profile(name: str) -> None:
    path = _existing_path(name)
    if path is None:
        raise _unknown(name)
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise ProfileError(_os_message("deleted", path, exc)) from None
    remove_stale_temp_files(path)
