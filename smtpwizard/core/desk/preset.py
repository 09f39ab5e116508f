"""Presets: a support desk's settings for its customers, pre-filled and, where it says, locked.

A preset is a small TOML or JSON document (docs/preset-format.md): who the desk is and how to
reach it, the outgoing servers (first one preferred), the username pattern, the address domains
it is for, which fields the customer may change, help texts for the wizard's pages and,
optionally, an OAuth client ID. It comes from a file or an https URL, so it is as hostile as a
server: parse_preset checks every key and value and raises PresetError with plain words, leaving
nothing half-applied (a Preset is built only once everything passed).
"""

from __future__ import annotations

import json
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..inputs import ParsedHost, parse_email, parse_host, parse_port
from ..settings import Security, ServerSettings
from .report import DeskContact

__all__ = [
    "EDITABLE_FIELDS",
    "HELP_PAGES",
    "PRESET_FORMAT",
    "PRESET_VERSION",
    "Preset",
    "PresetError",
    "PresetServer",
    "parse_preset",
    "to_toml",
]

PRESET_FORMAT = "smtpwizard-preset"
PRESET_VERSION = 1
MAX_PRESET_BYTES = 64 * 1024
EDITABLE_FIELDS = ("host", "port", "security", "username")
HELP_PAGES = ("email", "finding", "server", "sign_in", "test", "done")
PLACEHOLDERS = ("%EMAILADDRESS%", "%EMAILLOCALPART%", "%EMAILDOMAIN%")
_MAX_TEXT = 200
_MAX_HELP = 2000
_MAX_DOMAINS = 500
_MAX_SERVERS = 5
_TOP_KEYS = frozenset(
    {
        "format",
        "version",
        "organisation",
        "servers",
        "username",
        "domains",
        "user_may_change",
        "help",
        "oauth_client_id",
    }
)
_ORG_KEYS = frozenset({"name", "email", "phone", "web"})
_SERVER_KEYS = frozenset({"host", "port", "security"})


class PresetError(InputError):
    """A preset that cannot be used; the message says which part and why."""


@dataclass(frozen=True, slots=True)
class PresetServer:
    host: str
    port: int
    security: Security


@dataclass(frozen=True, slots=True)
class Preset:
    source: str  # the file name or https URL it came from
    organisation: str
    servers: tuple[PresetServer, ...]
    username: str = "%EMAILADDRESS%"
    domains: tuple[str, ...] = ()  # empty: any address
    user_may_change: frozenset[str] = frozenset()
    help: Mapping[str, str] = field(default_factory=dict)
    oauth_client_id: str | None = None
    email: str = ""
    phone: str = ""
    web: str = ""

    @property
    def origin(self) -> str:
        """Whose preset, for people: the URL's host, else the organisation."""
        if self.source.startswith("https://"):
            return self.source[len("https://") :].split("/")[0].split(":")[0]
        return self.organisation

    @property
    def contact(self) -> DeskContact:
        return DeskContact(self.organisation, self.source, self.email, self.phone, self.web)

    def may_change(self, name: str) -> bool:
        return name in self.user_may_change

    def applies_to(self, email: str) -> bool:
        if not self.domains:
            return True
        domain = email.rpartition("@")[2].lower()
        return any(
            domain == d or (d.startswith("*.") and domain.endswith(d[1:])) for d in self.domains
        )

    def username_for(self, email: str) -> str:
        local, _, domain = email.rpartition("@")
        return (
            self.username.replace("%EMAILADDRESS%", email)
            .replace("%EMAILLOCALPART%", local)
            .replace("%EMAILDOMAIN%", domain)
        )

    def settings_for(self, email: str, **changes: Any) -> ServerSettings:
        """The preset's first server for this address, with the changes the preset allows.

        Raises PresetError naming the field when a change touches a locked one, or when the
        address is not in one of the preset's domains.
        """
        email = parse_email(email)
        if not self.applies_to(email):
            raise PresetError(
                f"The preset from {self.origin} is for addresses at "
                f"{', '.join(self.domains)}, not {email.rpartition('@')[2]}.",
                "email",
            )
        server = self.servers[0]
        settings = ServerSettings(
            host=server.host,
            port=server.port,
            security=server.security,
            username=self.username_for(email),
        )
        given = {k: v for k, v in changes.items() if v is not None}
        for name, value in given.items():
            if not self.may_change(name) and str(value) != str(getattr(settings, name)):
                raise PresetError(
                    f"The preset from {self.origin} fixes the {name.replace('_', ' ')} "
                    f"({getattr(settings, name)}); it cannot be changed here.",
                    name,
                )
        return settings.with_changes(**given) if given else settings

    def to_toml(self) -> str:
        return to_toml(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": PRESET_FORMAT,
            "version": PRESET_VERSION,
            "organisation": {
                key: value
                for key, value in (
                    ("name", self.organisation),
                    ("email", self.email),
                    ("phone", self.phone),
                    ("web", self.web),
                )
                if value
            },
            "username": self.username,
            "domains": list(self.domains),
            "user_may_change": sorted(self.user_may_change),
            "servers": [
                {"host": s.host, "port": s.port, "security": s.security.value} for s in self.servers
            ],
        }
        if self.help:
            data["help"] = dict(self.help)
        if self.oauth_client_id:
            data["oauth_client_id"] = self.oauth_client_id
        return data


def parse_preset(data: bytes, source: str) -> Preset:
    """A checked Preset from TOML or JSON bytes; PresetError says what is wrong."""
    if len(data) > MAX_PRESET_BYTES:
        raise PresetError(f"{source}: a preset is at most {MAX_PRESET_BYTES // 1024} KiB.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise PresetError(f"{source}: the preset is not UTF-8 text.") from None
    document = _decode(text, source)
    return _Reader(source).preset(document)


def _decode(text: str, source: str) -> dict[str, Any]:
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("{"):
        try:
            document = json.loads(stripped)
        except ValueError as exc:
            raise PresetError(f"{source}: the preset is not valid JSON ({exc}).") from None
    else:
        try:
            document = tomllib.loads(stripped)
        except tomllib.TOMLDecodeError as exc:
            raise PresetError(f"{source}: the preset is not valid TOML ({exc}).") from None
    if not isinstance(document, dict):
        raise PresetError(f"{source}: a preset is a table of settings, not a list or a value.")
    return document


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, why: str) -> PresetError:
        return PresetError(f"{self.source}: {where}: {why}")

    def text(self, value: Any, where: str, *, limit: int = _MAX_TEXT, lines: bool = False) -> str:
        if not isinstance(value, str):
            raise self.fail(where, "must be text")
        if len(value) > limit:
            raise self.fail(where, f"is too long (at most {limit} characters)")
        for ch in value:
            if ch in "\n\t" and lines:
                continue
            if not ch.isprintable() and not (ch == " " or unicodedata.category(ch) == "Zs"):
                raise self.fail(
                    where, f"contains a control or invisible character (U+{ord(ch):04X})"
                )
        return value.strip()

    def table(self, value: Any, where: str, keys: frozenset[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "must be a table")
        unknown = sorted(set(value) - keys)
        if unknown:
            raise self.fail(where, f"unknown key {unknown[0]!r} (known: {', '.join(sorted(keys))})")
        return value

    def texts(self, value: Any, where: str, limit: int) -> list[str]:
        if not isinstance(value, list) or len(value) > limit:
            raise self.fail(where, f"must be a list of at most {limit} entries")
        return [self.text(item, f"{where}[{n}]") for n, item in enumerate(value)]

    def preset(self, doc: dict[str, Any]) -> Preset:
        self.table(doc, "the preset", _TOP_KEYS)
        if doc.get("format", PRESET_FORMAT) != PRESET_FORMAT:
            raise self.fail("format", f"must be {PRESET_FORMAT!r}")
        version = doc.get("version", PRESET_VERSION)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise self.fail("version", "must be a whole number")
        if version > PRESET_VERSION:
            raise self.fail("version", f"{version} is newer than this smtpwizard reads; update it")
        org = self.table(doc.get("organisation"), "organisation", _ORG_KEYS)
        name = self.text(org.get("name"), "organisation.name")
        if not name:
            raise self.fail("organisation.name", "is empty")
        contact = {k: self.text(org.get(k, ""), f"organisation.{k}") for k in ("email", "phone")}
        if contact["email"]:
            contact["email"] = self.checked(parse_email, contact["email"], "organisation.email")
        web = self.text(org.get("web", ""), "organisation.web")
        if web and (not web.lower().startswith("https://") or " " in web):
            raise self.fail("organisation.web", "must be an https:// address")
        return Preset(
            source=self.source,
            organisation=name,
            servers=self.servers(doc.get("servers")),
            username=self.username(doc.get("username", "%EMAILADDRESS%")),
            domains=tuple(
                self.domain(d, n)
                for n, d in enumerate(self.texts(doc.get("domains", []), "domains", _MAX_DOMAINS))
            ),
            user_may_change=self.editable(doc.get("user_may_change", [])),
            help=self.help(doc.get("help", {})),
            oauth_client_id=self.text(doc["oauth_client_id"], "oauth_client_id") or None
            if "oauth_client_id" in doc
            else None,
            email=contact["email"],
            phone=contact["phone"],
            web=web,
        )

    def checked(self, parse: Any, value: Any, where: str) -> Any:
        try:
            return parse(value)
        except InputError as exc:
            raise self.fail(where, exc.message) from None

    def servers(self, value: Any) -> tuple[PresetServer, ...]:
        if not isinstance(value, list) or not 1 <= len(value) <= _MAX_SERVERS:
            raise self.fail("servers", f"must list 1 to {_MAX_SERVERS} servers")
        out = []
        for n, item in enumerate(value):
            where = f"servers[{n}]"
            entry = self.table(item, where, _SERVER_KEYS)
            parsed = self.checked(
                parse_host, self.text(entry.get("host"), f"{where}.host"), f"{where}.host"
            )
            port = entry.get("port", parsed.port)
            if isinstance(port, bool) or not isinstance(port, int | str | None):
                raise self.fail(f"{where}.port", "must be a number")
            if port is None:
                raise self.fail(f"{where}.port", "is missing")
            port = self.checked(parse_port, port, f"{where}.port")
            try:
                security = Security(entry.get("security", "starttls"))
            except ValueError:
                raise self.fail(f"{where}.security", "must be starttls, tls or none") from None
            out.append(PresetServer(parsed.host, port, security))
        return tuple(out)

    def username(self, value: Any) -> str:
        text = self.text(value, "username")
        if not text:
            raise self.fail("username", "is empty")
        rest = text
        for placeholder in PLACEHOLDERS:
            rest = rest.replace(placeholder, "")
        if "%" in rest:
            raise self.fail("username", f"knows only {', '.join(PLACEHOLDERS)}")
        return text

    def domain(self, value: str, n: int) -> str:
        where = f"domains[{n}]"
        parsed: ParsedHost = self.checked(parse_host, value.removeprefix("*."), where)
        if parsed.port is not None or parsed.security is not None or "/" in value:
            raise self.fail(where, "must be a domain name such as example.com")
        return ("*." if value.startswith("*.") else "") + parsed.host

    def editable(self, value: Any) -> frozenset[str]:
        names = self.texts(value, "user_may_change", len(EDITABLE_FIELDS))
        for name in names:
            if name not in EDITABLE_FIELDS:
                raise self.fail(
                    "user_may_change", f"{name!r} is not one of {', '.join(EDITABLE_FIELDS)}"
                )
        return frozenset(names)

    def help(self, value: Any) -> dict[str, str]:
        table = self.table(value, "help", frozenset(HELP_PAGES))
        return {
            page: self.text(text, f"help.{page}", limit=_MAX_HELP, lines=True)
            for page, text in table.items()
        }


def to_toml(data: Mapping[str, Any]) -> str:
    """The preset as TOML: plain values first, then tables, then the array of servers.

    Strings are written as JSON strings, which are valid TOML basic strings (same escapes).
    """

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(item) for item in v) + "]"
        return json.dumps(str(v), ensure_ascii=False)

    lines = ["# A support desk's preset for smtpwizard (docs/preset-format.md)."]
    tables: list[tuple[str, Mapping[str, Any]]] = []
    for key, v in data.items():
        if isinstance(v, Mapping):
            tables.append((key, v))
        elif key != "servers":
            lines.append(f"{key} = {value(v)}")
    for key, table in tables:
        lines += ["", f"[{key}]"] + [f"{k} = {value(v)}" for k, v in table.items()]
    for server in data.get("servers", []):
        lines += ["", "[[servers]]"] + [f"{k} = {value(v)}" for k, v in server.items()]
    return "\n".join(lines) + "\n"
