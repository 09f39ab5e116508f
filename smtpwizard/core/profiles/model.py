"""What a saved profile holds, and how a file's JSON is checked before it becomes one.

Values read back pass through core.inputs like anything typed, since files can be edited by hand
or damaged; a newer format is refused without touching the file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import inputs
from ..errors import InputError, SmtpWizardError
from ..settings import Account, IncomingProtocol, IncomingServer, Security, ServerSettings

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_NAME_LENGTH",
    "PROFILE_FORMAT",
    "PROFILE_VERSION",
    "WINDOWS_RESERVED",
    "CheckSummary",
    "NewerVersion",
    "Profile",
    "ProfileError",
    "ProfileList",
    "ProfileProblem",
    "ProfileSummary",
    "SignInMethod",
    "check_profile_name",
    "parse_profile",
]

PROFILE_FORMAT = "smtpwizard-profile"
PROFILE_VERSION = 1
MAX_FILE_BYTES = 1024 * 1024
MAX_NAME_LENGTH = 80
WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
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
_PROVIDER_KEY = re.compile(r"[a-z0-9_-]{1,32}")
_MAX_OAUTH_TEXT = 512  # an issuer, a client ID or one scope
_MAX_SCOPES = 20


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
class SignInMethod:
    """How the profile signs in: a password, or OAuth2 with the provider (a provider table key)
    or the issuer, the client ID and the scopes. Never a token or a secret: the password, and
    the OAuth2 sign-in with its tokens (oauth2:ADDRESS), are in the keychain only."""

    oauth2: bool = False
    provider: str | None = None  # "microsoft", "google": core/oauth's provider table
    issuer: str | None = None  # any other identity provider, as its issuer (or host)
    client_id: str | None = None  # the user's own registered app: not a secret
    scopes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        if not self.oauth2:
            return {"method": "password"}
        return {
            "method": "oauth2",
            "provider": self.provider,
            "issuer": self.issuer,
            "client_id": self.client_id,
            "scopes": list(self.scopes),
        }

    @property
    def words(self) -> str:
        """ "OAuth2 (Microsoft)", for lists and reports."""
        if not self.oauth2:
            return "password"
        return f"OAuth2 ({self.provider or self.issuer or 'your provider'})"


@dataclass(frozen=True, slots=True)
class Profile:
    """What a profile holds. There is deliberately no password field: those live in the keychain."""

    name: str
    server: ServerSettings
    account: Account
    last_check: CheckSummary | None = None
    # None: saved before profiles recorded it (or by hand), which means a password.
    sign_in: SignInMethod | None = None

    @property
    def oauth2(self) -> bool:
        return self.sign_in is not None and self.sign_in.oauth2

    def to_dict(self) -> dict[str, Any]:
        # An explicit allow-list: nothing reaches the file unless named here.
        check = self.last_check
        data: dict[str, Any] = {
            "format": PROFILE_FORMAT,
            "version": PROFILE_VERSION,
            "name": self.name,
            "server": {key: self.server.to_dict()[key] for key in _SERVER_KEYS},
            "account": self.account.to_dict(),
            "last_check": None
            if check is None
            else {"ok": check.ok, "when": check.when, "diagnosis": check.diagnosis},
        }
        # Optional, so version 1 stays: older smtpwizards ignore keys they do not know.
        if self.sign_in is not None:
            data["sign_in"] = self.sign_in.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: object) -> Profile:
        """Strict: wrong types or values raise ProfileError; unknown keys are ignored."""
        return parse_profile(data)


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


def parse_profile(data: object) -> Profile:
    try:
        if not isinstance(data, dict):
            raise ProfileError("The file does not hold a profile (expected a JSON object).")
        if data.get("format") != PROFILE_FORMAT:
            raise ProfileError("The file is not an smtpwizard profile.")
        version = _get(data, "version", int, "profile")
        if version > PROFILE_VERSION:
            raise NewerVersion(version)
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
        return Profile(
            name,
            settings,
            account,
            parse_check(data.get("last_check")),
            parse_sign_in(data.get("sign_in")),
        )
    except InputError as exc:
        raise ProfileError(f"“{exc.field}”: {exc.message}") from None


def parse_check(data: object) -> CheckSummary | None:
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


def _oauth_text(data: dict[str, Any], key: str) -> str | None:
    value: str | None = _get(data, key, (str, type(None)), "sign_in")
    if value is None or not value.strip():
        return None
    if len(value) > _MAX_OAUTH_TEXT:
        raise ProfileError(f"“sign_in.{key}” is too long.")
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ProfileError(f"“sign_in.{key}” contains a control character.")
    return value.strip()


def parse_sign_in(data: object) -> SignInMethod | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ProfileError("“sign_in” has the wrong type.")
    method = _get(data, "method", str, "sign_in")
    if method == "password":
        return SignInMethod()
    if method != "oauth2":
        raise ProfileError("“sign_in.method” must be password or oauth2.")
    provider = _oauth_text(data, "provider")
    if provider is not None and not _PROVIDER_KEY.fullmatch(provider):
        raise ProfileError("“sign_in.provider” is not a provider name.")
    issuer = _oauth_text(data, "issuer")
    scopes = _get(data, "scopes", list, "sign_in") if "scopes" in data else []
    if len(scopes) > _MAX_SCOPES:
        raise ProfileError("“sign_in.scopes” holds too many scopes.")
    for scope in scopes:
        if not isinstance(scope, str) or not scope or len(scope) > _MAX_OAUTH_TEXT:
            raise ProfileError("“sign_in.scopes” must be a list of scopes.")
        if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in scope):
            raise ProfileError("A scope in “sign_in.scopes” contains a space or control character.")
    return SignInMethod(True, provider, issuer, _oauth_text(data, "client_id"), tuple(scopes))


class NewerVersion(ProfileError):
    def __init__(self, version: int) -> None:
        super().__init__(
            f"This profile was saved by a newer smtpwizard (format {min(version, 10**9)}); "
            "update smtpwizard "
            "to use it. The file was left unchanged."
        )
