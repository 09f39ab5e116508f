"""What every source shares: its context (inputs, DNS, HTTP) and the outcome it hands back."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from ..settings import IncomingServer, Security
from ..tasks import cancel_and_wait
from .clientconfig import ClientConfig
from .dns import DnsAnswer, MxRecord, Resolver
from .domains import base_domain
from .model import Candidate, DiscoveryOptions, ProviderFlag, SourceKind, SourceStatus
from .providers import Provider, match_mx, match_smtp_host
from .webfetch import WebFetcher

T = TypeVar("T")

# The table knows an administrator can switch password sign-in on (Microsoft 365): an ISPDB
# entry listing only OAuth2 must not say a password "will be refused".
_ADMIN_CAN_ALLOW_PASSWORDS = frozenset(
    {ProviderFlag.SMTP_AUTH_OFF_BY_DEFAULT, ProviderFlag.BASIC_AUTH_ENDING}
)


@dataclass(frozen=True, slots=True)
class SourceOutcome:
    status: SourceStatus
    reason: str
    candidates: tuple[Candidate, ...] = ()
    provider: Provider | None = None  # a recognised provider (table match), for its notes


@dataclass(slots=True)
class SourceContext:
    email: str
    domain: str  # ASCII (IDNA) form
    options: DiscoveryOptions
    resolver: Resolver
    fetcher: WebFetcher
    mx_lookup: asyncio.Future[DnsAnswer[MxRecord]]  # one MX question shared by MX and guesses
    finished: dict[SourceKind, asyncio.Future[SourceOutcome]] = field(default_factory=dict)

    async def mx(self) -> DnsAnswer[MxRecord]:
        # shield: one source giving up must not cancel the lookup the other one waits for
        return await asyncio.shield(self.mx_lookup)


async def first_in_order(
    jobs: Sequence[Awaitable[T]], accept: Callable[[T], bool]
) -> tuple[T | None, list[T]]:
    """Run jobs together; return the first accepted result in LIST order as soon as every job
    before it has finished (later ones are cancelled), plus all results that did finish."""
    tasks = [asyncio.ensure_future(job) for job in jobs]
    done_results: list[T] = []
    try:
        for task in tasks:
            result = await task
            done_results.append(result)
            if accept(result):
                return result, done_results
        return None, done_results
    finally:
        await cancel_and_wait(tasks)


def hosted_by(host: str, domain: str) -> str:
    """ "" when host belongs to domain; else who runs it, for the candidate's detail."""
    if base_domain(host) == base_domain(domain):
        return ""
    provider = match_smtp_host(host, domain=domain) or match_mx(host)
    owner = provider.info.name if provider else base_domain(host)
    return f"The server belongs to {owner}, not to {domain} (your mail is hosted by {owner})."


def config_candidates(
    config: ClientConfig,
    *,
    email: str,
    domain: str,
    source: SourceKind,
    trusted: bool,
    detail: str,
) -> tuple[Candidate, ...]:
    """Candidates from a clientConfig document, encrypted entries first (order kept otherwise)."""
    incoming = _best_incoming(config)
    entries = sorted(config.outgoing, key=lambda e: e.security is Security.NONE)
    document_notes = config.notes()
    candidates = []
    for index, entry in enumerate(entries):
        owner = hosted_by(entry.host, domain)
        provider = match_smtp_host(entry.host, domain=domain)
        flags = provider.info.flags if provider else frozenset()
        admin_can = bool(flags & _ADMIN_CAN_ALLOW_PASSWORDS)
        entry_notes = entry.notes(admin_can_allow_passwords=admin_can)
        candidates.append(
            Candidate(
                host=entry.host,
                port=entry.port,
                security=entry.security,
                username=entry.username,
                source=source,
                trusted=trusted,
                priority=source.rank * 100 + index,
                notes=entry_notes + document_notes + (provider.info.notes if provider else ()),
                provider_id=provider.id if provider else None,
                incoming=incoming,
                detail=f"{detail} {owner}".strip(),
                flags=provider.info.flags if provider else frozenset(),
                oauth2=config.oauth2
                if "oauth2" in {a.lower() for a in entry.authentication}
                else None,
                signs_in=not entry.no_password,
                password_encrypted=entry.password_encrypted,
            )
        )
    return tuple(candidates)


def _best_incoming(config: ClientConfig) -> IncomingServer | None:
    ranked = sorted(
        config.incoming,
        key=lambda s: (s.protocol.value != "imap", s.security is Security.NONE),
    )
    return ranked[0] if ranked else None


def config_outcome(
    config: ClientConfig, *, where: str, email: str, domain: str, source: SourceKind, trusted: bool
) -> SourceOutcome:
    candidates = config_candidates(
        config,
        email=email,
        domain=domain,
        source=source,
        trusted=trusted,
        detail=f"From {where}.",
    )
    if candidates:
        return SourceOutcome(
            SourceStatus.FOUND, f"{where}: {len(candidates)} server(s)", candidates
        )
    why = "; ".join(config.ignored) or "it lists no outgoing (SMTP) server"
    return SourceOutcome(SourceStatus.NOTHING, f"{where}: nothing usable ({why})")
