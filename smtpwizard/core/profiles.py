"""Saved profiles (server + account + last check, never a password) and the GUI's small state.

Files live in <config>/profiles/<safe name>.json, where <config> is SMTPWIZARD_CONFIG_DIR when
set (tests, portable use) and platformdirs' user config folder otherwise. Every write is atomic
(core.atomic), so a crash leaves the old or the new file. A file we cannot read is moved aside
to "<file>.corrupt-<time>" and reported, so one damaged file never stops the program starting.
Values read back pass through core.inputs like anything typed, since files can be edited by
hand or damaged.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import inputs
from .app_state import (
    CONFIG_DIR_ENV,
    config_dir,
    load_app_state,
    refuse_secrets,
    save_app_state,
)
from .atomic import (
    UnreadableFile,
    atomic_write_bytes,
    move_aside,
    read_bytes_limited,
    remove_stale_temp_files,
    sweep_stale_temp_files,
)
from .errors import InputError, SmtpWizardError
from .settings import Account, IncomingProtocol, IncomingServer, Security, ServerSettings

__all__ = [
    "CONFIG_DIR_ENV",
    "CheckSummary",
    "Profile",
    "ProfileError",
    "ProfileList",
    "ProfileProblem",
    "ProfileSummary",
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

PROFILE_FORMAT = "smtpwizard-profile"
PROFILE_VERSION = 1
MAX_FILE_BYTES = 1024 * 1024
MAX_NAME_LENGTH = 80
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{p}{i}" for p in ("com", "lpt") for i in range(10)
}
_SERVER_KEYS = (
    "host",
    "port",
    "security",
    "username",
    "allow_insecure_auth",
    "trusted_fingerprint",
)
_DIAGNOSIS_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


class ProfileError(SmtpWizardError):
    """A profile cannot be found, read or saved; `message` says what happened and what to do."""

    def __init__(
        self,
        message: str,
        *,
        title: str = "Saved settings problem",
        available: tuple[str, ...] = (),
        moved_to: Path | None = None,
    ) -> None:
        super().__init__(message)
        self.title = title
        self.message = message
        self.available = available
        self.moved_to = moved_to


@dataclass(frozen=True, slots=True)
class CheckSummary:
    ok: bool
    when: str  # ISO 8601 with time zone
    diagnosis: str | None = None  # the stable diagnosis code when the check failed

    @classmethod
    def now(cls, ok: bool, diagnosis: str | None = None) -> CheckSummary:
        return cls(ok, datetime.now(UTC).isoformat(timespec="seconds"), diagnosis)


@dataclass(frozen=True, slots=True)
class Profile:
    """What a profile holds. There is deliberately no password field: those live in the keychain."""

    name: str
    server: ServerSettings
    account: Account
    last_check: CheckSummary | None = None

    def to_dict(self) -> dict[str, Any]:
        # An explicit allow-list: nothing reaches the file unless named here.
        check = self.last_check
        return {
            "format": PROFILE_FORMAT,
            "version": PROFILE_VERSION,
            "name": self.name,
            "server": {key: self.server.to_dict()[key] for key in _SERVER_KEYS},
            "account": self.account.to_dict(),
            "last_check": None
            if check is None
            else {"ok": check.ok, "when": check.when, "diagnosis": check.diagnosis},
        }

    @classmethod
    def from_dict(cls, data: object) -> Profile:
        """Strict: wrong types or values raise ProfileError; unknown keys are ignored."""
        return _parse_profile(data)


@dataclass(frozen=True, slots=True)
class ProfileSummary:
    name: str
    path: Path
    host: str
    port: int
    security: Security
    email: str
    last_check: CheckSummary | None

    @classmethod
    def of(cls, profile: Profile, path: Path) -> ProfileSummary:
        server = profile.server
        return cls(
            profile.name, path, server.host, server.port, server.security,
            profile.account.email, profile.last_check,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class ProfileProblem:
    path: Path
    message: str
    moved_to: Path | None  # None: left in place (made by a newer version, or could not move)


class ProfileList(list[ProfileSummary]):
    """The readable profiles, sorted by name, plus what went wrong with the others."""

    def __init__(self, items: list[ProfileSummary], problems: list[ProfileProblem]) -> None:
        super().__init__(items)
        self.problems = problems


# --- where files go -------------------------------------------------------------------------


def profiles_dir() -> Path:
    return config_dir() / "profiles"


def check_profile_name(name: str) -> str:
    """The name as it will be saved (trimmed), or ProfileError saying why it cannot be used."""
    text = name.strip() if isinstance(name, str) else ""
    if not text:
        raise ProfileError("Please give the profile a name, for example “Work”.")
    if len(text) > MAX_NAME_LENGTH:
        raise ProfileError(
            f"That profile name is too long; keep it under {MAX_NAME_LENGTH} characters."
        )
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise ProfileError("A profile name cannot contain line breaks or control characters.")
    if "/" in text or "\\" in text or set(text) == {"."}:
        raise ProfileError("A profile name cannot contain “/” or “\\” or be only dots.")
    return text


def _file_stem(name: str) -> str:
    """A file name safe on every system; names that differ only in case or accents get
    different files thanks to a short hash of the exact name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:48].strip("-") or "profile"
    if slug != name or slug in _WINDOWS_RESERVED:
        slug = f"{slug}-{hashlib.sha256(name.encode('utf-8')).hexdigest()[:8]}"
    return slug


def profile_path(name: str) -> Path:
    folder = profiles_dir()
    path = folder / f"{_file_stem(check_profile_name(name))}.json"
    if path.parent != folder:  # cannot happen with the slug; a last line of defence
        raise ProfileError("That profile name cannot be used as a file name.")
    return path


# --- parsing what a file holds ---------------------------------------------------------------


def _get(data: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = data.get(key)
    kinds = kind if isinstance(kind, tuple) else (kind,)
    # JSON true/false would pass as int (bool subclasses int): a port of `true` is damage.
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise ProfileError(f"“{where}.{key}” is missing or has the wrong type.")
    return value


def _host_port(data: dict[str, Any], where: str) -> tuple[str, int, Security, str | None]:
    host_text = _get(data, "host", str, where)
    parsed = inputs.parse_host(host_text, f"{where}.host")
    if parsed.port is not None or "://" in host_text:
        raise ProfileError(f"“{where}.host” must be a plain server name.")
    port = inputs.parse_port(_get(data, "port", int, where), f"{where}.port")
    try:
        security = Security(_get(data, "security", str, where))
    except ValueError:
        raise ProfileError(f"“{where}.security” must be one of starttls, tls, none.") from None
    username = _get(data, "username", (str, type(None)), where)
    username = inputs.parse_username(username, f"{where}.username") if username else None
    return parsed.host, port, security, username or None


def _parse_profile(data: object) -> Profile:
    try:
        if not isinstance(data, dict):
            raise ProfileError("The file does not hold a profile (expected a JSON object).")
        if data.get("format") != PROFILE_FORMAT:
            raise ProfileError("The file is not an smtpwizard profile.")
        version = _get(data, "version", int, "profile")
        if version > PROFILE_VERSION:
            raise _NewerVersion(version)
        if version < 1:
            raise ProfileError("“profile.version” is not a valid version number.")
        name = check_profile_name(_get(data, "name", str, "profile"))
        server = _get(data, "server", dict, "profile")
        host, port, security, username = _host_port(server, "server")
        fingerprint = _get(server, "trusted_fingerprint", (str, type(None)), "server")
        settings = ServerSettings(
            host=host,
            port=port,
            security=security,
            username=username,
            allow_insecure_auth=_get(server, "allow_insecure_auth", bool, "server"),
            trusted_fingerprint=inputs.parse_fingerprint(fingerprint) if fingerprint else None,
        )
        account_data = _get(data, "account", dict, "profile")
        incoming: IncomingServer | None = None
        if account_data.get("incoming") is not None:
            incoming_data = _get(account_data, "incoming", dict, "account")
            try:
                protocol = IncomingProtocol(_get(incoming_data, "protocol", str, "incoming"))
            except ValueError:
                raise ProfileError("“incoming.protocol” must be imap or pop3.") from None
            incoming = IncomingServer(protocol, *_host_port(incoming_data, "incoming"))
        account = Account(
            email=inputs.parse_email(_get(account_data, "email", str, "account"), "account.email"),
            display_name=inputs.parse_display_name(
                _get(account_data, "display_name", str, "account"), "account.display_name"
            ),
            incoming=incoming,
        )
        return Profile(name, settings, account, _parse_check(data.get("last_check")))
    except InputError as exc:
        raise ProfileError(f"“{exc.field}”: {exc.message}") from None


def _parse_check(data: object) -> CheckSummary | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ProfileError("“last_check” has the wrong type.")
    when = _get(data, "when", str, "last_check")
    try:
        if datetime.fromisoformat(when).tzinfo is None:
            raise ValueError(when)
    except ValueError:
        raise ProfileError("“last_check.when” is not a date and time with a time zone.") from None
    diagnosis = _get(data, "diagnosis", (str, type(None)), "last_check")
    if diagnosis is not None and not _DIAGNOSIS_CODE.fullmatch(diagnosis):
        raise ProfileError("“last_check.diagnosis” is not a diagnosis code.")
    return CheckSummary(_get(data, "ok", bool, "last_check"), when, diagnosis)


class _NewerVersion(ProfileError):
    def __init__(self, version: int) -> None:
        super().__init__(
            f"This profile was saved by a newer smtpwizard (format {min(version, 10**9)}); "
            "update smtpwizard "
            "to use it. The file was left unchanged."
        )


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
        return _parse_profile(data)
    except _NewerVersion:
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
        except _NewerVersion as exc:
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
        data = _parse_profile(profile.to_dict()).to_dict()
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
