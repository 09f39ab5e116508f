"""The Finding page's search: core.probe.find_server, shaped for the page.

The core does the work; this keeps the probe open after the decision (so pending ports go on
reporting) and turns the answer into what the page shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..core.diagnosis.catalogue import SECURITY_WORDS
from ..core.discovery import Candidate, DiscoveryOptions
from ..core.probe import PortReport, PortStatus, ProbeOptions, ProbeRun, ServerSearch, find_server
from ..core.settings import IncomingServer, ResolverConfig, ServerSettings


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    settings: ServerSettings | None
    trusted: bool
    verified: bool
    source_words: str
    summary: str
    notes: tuple[str, ...] = ()
    provider_name: str = ""
    incoming: IncomingServer | None = None
    # Still open when some ports were pending at the decision; the page finishes and closes it.
    pending_run: ProbeRun | None = None
    search: ServerSearch | None = None
    candidate: Candidate | None = None  # where the settings came from (its <oAuth2> block too)

    @classmethod
    def nothing(cls, summary: str) -> SearchOutcome:
        return cls(None, False, False, "", summary)


def port_words(report: PortReport) -> str:
    """One report in plain words for the page's port list."""
    if report.status is PortStatus.WORKING and report.security is not None:
        took = f" ({report.latency * 1000:.0f} ms)" if report.latency is not None else ""
        return f"works with {SECURITY_WORDS[report.security.value]}{took}"
    if report.status is PortStatus.PENDING:
        return "testing…" if report.probing else "waiting its turn"
    if report.status is PortStatus.PLAINTEXT_ONLY:
        return "answers, but only without encryption (not used)"
    if report.diagnosis is not None:
        return report.diagnosis.title[0].lower() + report.diagnosis.title[1:]
    return "does not work"


async def find_settings(
    email: str,
    options: DiscoveryOptions,
    *,
    ca_file: str | None,
    resolver: ResolverConfig,
    progress: Callable[[object], None],
) -> SearchOutcome:
    search = await find_server(
        email,
        discovery=options,
        probe=ProbeOptions(ca_file=ca_file, resolver=resolver),
        on_source=progress,
        on_port=progress,
        keep_running=True,
    )
    return outcome_of(search)


def outcome_of(search: ServerSearch) -> SearchOutcome:
    found = search.discovery
    chosen = search.recommended
    if chosen is not None:
        settings: ServerSettings | None = ServerSettings(
            chosen.host,
            chosen.port,
            chosen.security,
            chosen.username,
            password_encrypted=chosen.candidate.password_encrypted,
        )
        trusted, verified, source = chosen.trusted, chosen.verified, chosen.source.label
        candidate: Candidate | None = chosen.candidate
    else:
        # Found, but nothing answered: offer discovery's best for the person to check.
        best = found.best
        settings = best.to_settings() if best else None
        if settings is not None and settings.username is None and best and best.signs_in:
            settings = settings.with_changes(username=found.email)
        trusted, verified, source = (
            bool(best and best.trusted),
            False,
            best.source.label if best else "",
        )
        candidate = best
    return SearchOutcome(
        settings=settings,
        trusted=trusted,
        verified=verified,
        source_words=source,
        summary=found.summary(),
        notes=found.notes,
        provider_name=found.provider.name if found.provider else "",
        incoming=found.incoming,
        pending_run=search.pending_run,
        search=search,
        candidate=candidate,
    )


async def finish_pending(run: ProbeRun) -> None:
    """Let the ports still pending at the decision finish (they keep reporting), then close."""
    try:
        await run.finished()
    finally:
        await run.aclose()
