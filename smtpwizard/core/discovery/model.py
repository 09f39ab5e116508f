"""What discovery produces: candidates with source and trust, per-source reports, the result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from ..settings import IncomingServer, Security, ServerSettings


class SourceKind(StrEnum):
    """Where a candidate came from. Declaration order is priority order (first wins)."""

    PROVIDER_TABLE = "provider_table"
    AUTOCONFIG = "autoconfig"
    ISPDB = "ispdb"
    MX = "mx"
    SRV = "srv"
    AUTOCONFIG_HTTP = "autoconfig_http"
    GUESS = "guess"

    @property
    def label(self) -> str:
        return _SOURCE_LABELS[self]

    @property
    def rank(self) -> int:
        """0 is best. Candidate.priority is rank * 100 + position within the source."""
        return _SOURCE_ORDER.index(self)

    @property
    def trusted(self) -> bool:
        """Whether candidates from this source may be used without the user confirming them."""
        return self in _TRUSTED_SOURCES


_SOURCE_ORDER = tuple(SourceKind)
_SOURCE_LABELS = {
    SourceKind.PROVIDER_TABLE: "our built-in list",
    SourceKind.AUTOCONFIG: "published by your provider",
    SourceKind.ISPDB: "from Thunderbird's database",
    SourceKind.MX: "from your domain's mail server (MX)",
    SourceKind.SRV: "found in your domain's DNS (SRV)",
    SourceKind.AUTOCONFIG_HTTP: "published by your provider, but over an unencrypted connection",
    SourceKind.GUESS: "guessed",
}
# DNS answers (MX, SRV) are unauthenticated, plain HTTP can be altered on the way, and guesses
# are guesses: those need the user's confirmation.
_TRUSTED_SOURCES = frozenset({SourceKind.PROVIDER_TABLE, SourceKind.AUTOCONFIG, SourceKind.ISPDB})


class SourceStatus(StrEnum):
    FOUND = "found"  # gave at least one candidate (or a definite provider answer)
    NOTHING = "nothing"  # answered, but had nothing for this domain
    FAILED = "failed"  # could not answer: timeout, refused document, network error
    SKIPPED = "skipped"  # not run: disabled, or not needed
    PENDING = "pending"  # still running when a better source had already answered


class ProviderFlag(StrEnum):
    """Stable machine-readable facts about a provider (the data file may use only these)."""

    APP_PASSWORD_REQUIRED = "app_password_required"  # noqa: S105 (a flag name, not a secret)
    OAUTH_ONLY = "oauth_only"  # no password sign-in for apps at all
    SMTP_AUTH_OFF_BY_DEFAULT = "smtp_auth_off_by_default"  # an admin must switch it on
    BASIC_AUTH_ENDING = "basic_auth_ending"  # password sign-in announced to be retired
    ENABLE_ACCESS_IN_SETTINGS = "enable_access_in_settings"  # user switches on IMAP/SMTP first
    PORT25_BLOCKED = "port25_blocked"  # outgoing port 25 blocked on that network or cloud
    USERNAME_IS_API_KEY = "username_is_api_key"  # username/password are an API key, not a login
    USERNAME_IS_SMTP_CREDENTIAL = "username_is_smtp_credential"  # separate SMTP user generated
    CERTIFICATE_NAMES_SERVER = "certificate_names_server"  # cert names the host, not your domain
    REGION_SPECIFIC = "region_specific"  # the server depends on the account's region
    SENDER_MUST_MATCH_LOGIN = "sender_must_match_login"  # From must be the login or an alias
    NO_SMTP = "no_smtp"  # the provider offers no SMTP access


class ProviderKind(StrEnum):
    MAILBOX = "mailbox"  # people's mailboxes (Gmail, GMX)
    HOSTING = "hosting"  # web/mail hosting for your own domain (IONOS, Bluehost)
    SENDING = "sending"  # sending services for apps (SendGrid, SES)


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """One provider as the built-in table describes it (without its server list)."""

    id: str
    name: str
    kind: ProviderKind
    flags: frozenset[ProviderFlag]
    notes: tuple[str, ...]
    username_hint: str
    source_url: str
    checked: str  # ISO date the facts were last checked against source_url


@dataclass(frozen=True, slots=True)
class OAuth2Block:
    """The <oAuth2> section (a sibling of <emailProvider>, as in the ISPDB's office365.com and
    gmail.com files, thunderbird/autoconfig ispdb/); core/oauth/ checks the URLs are https."""

    issuer: str | None
    scopes: tuple[str, ...]
    auth_url: str | None
    token_url: str | None


@dataclass(frozen=True, slots=True)
class Candidate:
    """One possible outgoing server. port/security None mean "probe the standard ports"."""

    host: str
    port: int | None
    security: Security | None
    username: str | None
    source: SourceKind
    trusted: bool
    priority: int  # lower is better; comparable across sources
    notes: tuple[str, ...] = ()
    provider_id: str | None = None
    incoming: IncomingServer | None = None
    detail: str = ""  # where exactly it came from, in plain words
    flags: frozenset[ProviderFlag] = frozenset()
    oauth2: OAuth2Block | None = None  # the document's <oAuth2> settings (core/oauth uses them)
    # False when the source says the server takes no password (ISPDB authentication "none"):
    # then no username is proposed either.
    signs_in: bool = True
    # The document allows only "password-encrypted" sign-in (never the password itself).
    password_encrypted: bool = False
    # The host's addresses as discovery's DNS gave them (a guess checks its name exists); the
    # probe uses them when it asks the same DNS server, instead of asking again.
    addresses: tuple[str, ...] = field(default=(), compare=False)

    @property
    def complete(self) -> bool:
        return self.port is not None and self.security is not None

    def to_settings(self) -> ServerSettings | None:
        """Settings ready for the live check, or None when the probe must find port/security."""
        if self.port is None or self.security is None:
            return None
        return ServerSettings(
            host=self.host,
            port=self.port,
            security=self.security,
            username=self.username,
            password_encrypted=self.password_encrypted,
        )


@dataclass(frozen=True, slots=True)
class SourceReport:
    kind: SourceKind
    status: SourceStatus
    reason: str  # plain words: what it found or why not
    duration: float  # seconds from start of discovery to this source finishing


@dataclass(frozen=True, slots=True)
class DiscoveryEvent:
    """Progress for one source: phase "started" (status None) then "finished"."""

    kind: SourceKind
    phase: Literal["started", "finished"]
    status: SourceStatus | None = None
    reason: str = ""
    elapsed: float = 0.0


@dataclass(frozen=True, slots=True)
class DiscoveryResult:
    email: str
    domain: str
    candidates: tuple[Candidate, ...]  # sorted by priority, best first, no duplicates
    sources: tuple[SourceReport, ...]  # one per source, in priority order
    provider: ProviderInfo | None = None  # the provider we recognised, if any
    notes: tuple[str, ...] = ()  # what the user needs to know (provider notes first)
    incoming: IncomingServer | None = None  # best incoming (IMAP/POP3) server known
    elapsed: float = 0.0

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def found(self) -> bool:
        return bool(self.candidates)

    def report(self, kind: SourceKind) -> SourceReport:
        for report in self.sources:
            if report.kind is kind:
                return report
        raise KeyError(kind)

    def summary(self) -> str:
        """One plain sentence for people."""
        if self.candidates:
            best = self.candidates[0]
            where = f"{best.host}:{best.port}" if best.port else best.host
            confirm = "" if best.trusted else " Please confirm it: it could not be verified."
            return f"Found {where} ({best.source.label}).{confirm}"
        if self.provider and ProviderFlag.NO_SMTP in self.provider.flags:
            return f"{self.provider.name} does not let other apps send mail (no SMTP)."
        return (
            f"No outgoing server found for {self.domain}: every source was tried "
            "(see each source's reason). Ask your provider for its SMTP server name."
        )


DEFAULT_ISPDB_URL = "https://live.thunderbird.net/autoconfig/v1.1/"
_DEFAULT_SOURCE_TIMEOUTS: Mapping[SourceKind, float] = MappingProxyType(
    {
        SourceKind.PROVIDER_TABLE: 1.0,
        SourceKind.AUTOCONFIG: 5.0,
        SourceKind.ISPDB: 5.0,
        SourceKind.MX: 6.0,
        SourceKind.SRV: 4.0,
        SourceKind.AUTOCONFIG_HTTP: 7.0,  # starts only after https failed, so it needs longer
        SourceKind.GUESS: 5.0,
    }
)


@dataclass(frozen=True, slots=True)
class DiscoveryOptions:
    """How discovery runs. Defaults are production defaults.

    resolve: host -> IP, like curl --resolve: HTTP fetches for that host connect to the IP while
      the certificate is still verified for the host name.
    dns_server: (IP, port) asked for every lookup, including the host names of HTTP fetches;
      None means the system's resolver (and the system's name lookup for HTTP).
    web_ports: (https, http) ports for the autoconfig URLs. FOR TESTS AND LABS ONLY (the CLI
      does not expose it): real autoconfig lives on 443/80.
    """

    dns_server: tuple[str, int] | None = None
    ispdb_url: str = DEFAULT_ISPDB_URL
    timeout: float = 8.0
    source_timeouts: Mapping[SourceKind, float] = field(
        default_factory=lambda: _DEFAULT_SOURCE_TIMEOUTS
    )
    dns_timeout: float = 3.0  # one DNS question (retries included)
    ca_file: str | None = None  # extra CA trusted for the HTTPS fetches (system CAs stay)
    allow_http: bool = True  # plain-http autoconfig, as a last resort, never with the address
    max_document_bytes: int = 1024 * 1024
    resolve: Mapping[str, str] = field(default_factory=dict)
    web_ports: tuple[int, int] = (443, 80)
    sources: frozenset[SourceKind] = frozenset(SourceKind)

    def source_timeout(self, kind: SourceKind) -> float:
        return min(self.source_timeouts.get(kind, _DEFAULT_SOURCE_TIMEOUTS[kind]), self.timeout)
