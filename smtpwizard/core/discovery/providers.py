"""The built-in provider table (providers.toml): loading, validation, matching."""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ..settings import IncomingProtocol, IncomingServer, Security
from .domains import host_matches, pattern_specificity
from .model import Candidate, ProviderFlag, ProviderInfo, ProviderKind, SourceKind

__all__ = [
    "Provider",
    "ProviderTableError",
    "ServerTemplate",
    "expand_placeholders",
    "load_providers",
    "match_domain",
    "match_mx",
    "match_smtp_host",
    "provider_by_id",
    "providers",
]

_REQUIRED = ("id", "name", "kind", "source", "checked", "smtp")
_KNOWN_KEYS = frozenset(
    {
        "id", "name", "kind", "domains", "mx", "flags", "username", "username_hint", "notes",
        "smtp", "incoming", "source", "checked", "regions", "spf_include", "dkim_selectors",
    }
)  # fmt: skip
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HOST = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)+$")


class ProviderTableError(ValueError):
    """The data file is malformed: a bug in providers.toml, caught by the tests."""


@dataclass(frozen=True, slots=True)
class ServerTemplate:
    host: str  # may contain %EMAILDOMAIN%
    port: int
    security: Security


@dataclass(frozen=True, slots=True)
class IncomingTemplate:
    protocol: IncomingProtocol
    host: str
    port: int
    security: Security
    username: str | None


@dataclass(frozen=True, slots=True)
class Provider:
    info: ProviderInfo
    domains: tuple[str, ...]
    mx: tuple[str, ...]
    username: str | None  # template: %EMAILADDRESS% etc., or a literal like "apikey"
    smtp: tuple[ServerTemplate, ...]
    incoming: tuple[IncomingTemplate, ...]
    # Deliverability: what the domain's SPF must include and where its DKIM keys are published.
    spf_include: tuple[str, ...] = ()
    dkim_selectors: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.info.id

    def incoming_for(self, email: str) -> IncomingServer | None:
        for server in self.incoming:
            username = server.username if server.username is not None else self.username
            return IncomingServer(
                protocol=server.protocol,
                host=expand_placeholders(server.host, email),
                port=server.port,
                security=server.security,
                username=expand_placeholders(username, email) if username else None,
            )
        return None

    def candidates(
        self, email: str, source: SourceKind, *, trusted: bool, detail: str
    ) -> list[Candidate]:
        username = expand_placeholders(self.username, email) if self.username else None
        incoming = self.incoming_for(email)
        base = source.rank * 100
        return [
            Candidate(
                host=expand_placeholders(server.host, email),
                port=server.port,
                security=server.security,
                username=username,
                source=source,
                trusted=trusted,
                priority=base + index,
                notes=self.info.notes,
                provider_id=self.id,
                incoming=incoming,
                detail=detail,
                flags=self.info.flags,
            )
            for index, server in enumerate(self.smtp)
        ]


def expand_placeholders(template: str, email: str) -> str:
    local, _, domain = email.rpartition("@")
    return (
        template.replace("%EMAILADDRESS%", email)
        .replace("%EMAILLOCALPART%", local)
        .replace("%EMAILDOMAIN%", domain)
    )


def load_providers(text: str) -> tuple[Provider, ...]:
    """Parse and validate a providers.toml document (raises ProviderTableError)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProviderTableError(f"providers.toml is not valid TOML: {exc}") from exc
    entries = document.get("provider")
    if not isinstance(entries, list):
        raise ProviderTableError("providers.toml has no [[provider]] entries")
    result: list[Provider] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise ProviderTableError("every [[provider]] must be a table")
        regions = entry.get("regions")
        if regions is None:
            result.append(_provider(entry))
            continue
        for region in _strings(regions, "regions", entry):
            result.append(_provider(_with_region(entry, region)))
    ids = [provider.id for provider in result]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ProviderTableError(f"duplicate provider ids: {', '.join(duplicates)}")
    return tuple(result)


@functools.cache
def providers() -> tuple[Provider, ...]:
    """The built-in table, loaded once."""
    text = resources.files(__package__).joinpath("providers.toml").read_text(encoding="utf-8")
    return load_providers(text)


def provider_by_id(provider_id: str) -> Provider | None:
    for provider in providers():
        if provider.id == provider_id:
            return provider
    return None


def match_domain(domain: str, table: Sequence[Provider] | None = None) -> Provider | None:
    """The provider whose email domains include this one (exact before pattern)."""
    if table is None:
        return _indexed(domain, "domains")
    return _best(domain, ((p, p.domains) for p in table))


def match_mx(mx_host: str, table: Sequence[Provider] | None = None) -> Provider | None:
    """The provider whose MX pattern matches most specifically."""
    if table is None:
        return _indexed(mx_host, "mx")
    return _best(mx_host, ((p, p.mx) for p in table))


def _indexed(name: str, field: str) -> Provider | None:
    """_best over the built-in table, its literal patterns looked up instead of scanned: a
    discovery matches several names, and the scan tried every pattern of every provider."""
    literal, wildcards = _index(field)
    name = name.rstrip(".").lower()
    found = literal.get(name)
    if found is not None:
        return found  # a literal match outranks every pattern with "*" (see _best)
    # Only a pattern whose literal start and end fit the name can match it: that test is a
    # fraction of a regex match, and nearly every pattern fails it (46 MX patterns have "*").
    fitting = (
        (provider, (pattern,))
        for provider, pattern, head, tail in wildcards
        if name.startswith(head) and name.endswith(tail) and len(name) > len(head) + len(tail)
    )
    return _best(name, fitting)


@functools.cache
def _index(
    field: str,
) -> tuple[dict[str, Provider], tuple[tuple[Provider, str, str, str], ...]]:
    """The literal patterns by name; each pattern with "*" with its literal start and end."""
    literal: dict[str, Provider] = {}
    wildcards = []
    for provider in providers():
        patterns: tuple[str, ...] = getattr(provider, field)
        for pattern in patterns:
            if "*" not in pattern:
                literal.setdefault(pattern.lower(), provider)  # the first, as _best keeps it
            else:
                lowered = pattern.lower()
                head, tail = lowered.partition("*")[0], lowered.rpartition("*")[2]
                wildcards.append((provider, pattern, head, tail))
    return literal, tuple(wildcards)


def match_smtp_host(
    host: str, table: Sequence[Provider] | None = None, *, domain: str | None = None
) -> Provider | None:
    """The provider that runs this outgoing server (smtp.sendgrid.net -> SendGrid).

    Several entries can share a server (smtp.gmail.com: Gmail and Google Workspace). With the
    address's domain, the entry serving that domain wins; else an entry that serves any domain
    (matched by MX, like Google Workspace) beats one tied to other domains (gmail.com): an
    umich.edu address on smtp.gmail.com is Google Workspace, not personal Gmail.
    """
    name = host.rstrip(".").lower()
    owners = [p for p in table or providers() if any(s.host == name for s in p.smtp)]
    if not owners:
        return None
    if domain is None:
        return owners[0]
    domain = domain.rstrip(".").lower()
    for provider in owners:
        if any(host_matches(domain, pattern) for pattern in provider.domains):
            return provider
    return next((p for p in owners if not p.domains), owners[0])


def _best(name: str, options: Iterable[tuple[Provider, tuple[str, ...]]]) -> Provider | None:
    best: tuple[int, Provider] | None = None
    for provider, patterns in options:
        for pattern in patterns:
            if host_matches(name, pattern):
                score = pattern_specificity(pattern) + (1000 if "*" not in pattern else 0)
                if best is None or score > best[0]:
                    best = (score, provider)
    return best[1] if best else None


def _with_region(entry: dict[str, Any], region: str) -> dict[str, Any]:
    def sub(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace("{region}", region)
        if isinstance(value, list):
            return [sub(item) for item in value]
        if isinstance(value, dict):
            return {key: sub(item) for key, item in value.items()}
        return value

    return {key: sub(value) for key, value in entry.items() if key != "regions"}


def _provider(entry: dict[str, Any]) -> Provider:
    where = entry.get("id", "?")
    unknown = set(entry) - _KNOWN_KEYS
    if unknown:
        raise ProviderTableError(f"{where}: unknown keys {sorted(unknown)}")
    for key in _REQUIRED:
        if key not in entry:
            raise ProviderTableError(f"{where}: missing {key!r}")
    checked = str(entry["checked"])
    if not _DATE.match(checked):
        raise ProviderTableError(f"{where}: checked must be YYYY-MM-DD, not {checked!r}")
    source = str(entry["source"])
    if not source.startswith("https://"):
        raise ProviderTableError(f"{where}: source must be an https:// URL")
    try:
        kind = ProviderKind(entry["kind"])
        flags = frozenset(ProviderFlag(f) for f in _strings(entry.get("flags", []), "flags", entry))
    except ValueError as exc:
        raise ProviderTableError(f"{where}: {exc}") from exc
    smtp = tuple(_server(item, where) for item in _tables(entry["smtp"], "smtp", where))
    if not smtp and ProviderFlag.NO_SMTP not in flags:
        raise ProviderTableError(f"{where}: no smtp servers (and not flagged no_smtp)")
    incoming = tuple(
        _incoming(item, where) for item in _tables(entry.get("incoming", []), "incoming", where)
    )
    username = entry.get("username")
    info = ProviderInfo(
        id=str(entry["id"]),
        name=str(entry["name"]),
        kind=kind,
        flags=flags,
        notes=tuple(_strings(entry.get("notes", []), "notes", entry)),
        username_hint=str(entry.get("username_hint", "")),
        source_url=source,
        checked=checked,
    )
    return Provider(
        info=info,
        domains=tuple(d.lower() for d in _strings(entry.get("domains", []), "domains", entry)),
        mx=tuple(m.lower() for m in _strings(entry.get("mx", []), "mx", entry)),
        username=str(username) if username is not None else None,
        smtp=smtp,
        incoming=incoming,
        spf_include=tuple(
            s.lower() for s in _strings(entry.get("spf_include", []), "spf_include", entry)
        ),
        dkim_selectors=tuple(_strings(entry.get("dkim_selectors", []), "dkim_selectors", entry)),
    )


def _strings(value: Any, key: str, entry: dict[str, Any]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProviderTableError(f"{entry.get('id', '?')}: {key} must be a list of strings")
    return value


def _tables(value: Any, key: str, where: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ProviderTableError(f"{where}: {key} must be a list of tables")
    return value


def _server(item: dict[str, Any], where: str) -> ServerTemplate:
    host, port, security = _endpoint(item, where)
    return ServerTemplate(host=host, port=port, security=security)


def _incoming(item: dict[str, Any], where: str) -> IncomingTemplate:
    host, port, security = _endpoint(item, where)
    try:
        protocol = IncomingProtocol(str(item.get("protocol")))
    except ValueError as exc:
        raise ProviderTableError(f"{where}: {exc}") from exc
    username = item.get("username")
    return IncomingTemplate(protocol, host, port, security, str(username) if username else None)


def _endpoint(item: dict[str, Any], where: str) -> tuple[str, int, Security]:
    host, port = item.get("host"), item.get("port")
    if not isinstance(host, str) or not _HOST.match(host.replace("%EMAILDOMAIN%", "d.example")):
        raise ProviderTableError(f"{where}: server host must be a lower-case name: {host!r}")
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise ProviderTableError(f"{where}: bad port {port!r} for {host}")
    try:
        security = Security(str(item.get("security")))
    except ValueError as exc:
        raise ProviderTableError(f"{where}: {exc}") from exc
    return host, port, security
