"""Discovery, then probing, for the Finding page: the early answer now, the rest as it comes.

The core does the work (core.discovery, core.probe); this only shapes the answer for the page
and keeps the probe run open after the decision so pending ports go on reporting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from ..core.diagnosis_catalogue import SECURITY_WORDS
from ..core.discovery import DiscoveryOptions, DiscoveryResult, discover
from ..core.probe import ProbeRun, targets_for_candidates, with_candidates
from ..core.probe_model import PortReport, PortStatus, ProbeOptions
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
    found = await discover(email, options=options, progress=progress)
    if not found.candidates:
        return _outcome(found, None, verified=False)
    probe_options = ProbeOptions(ca_file=ca_file, resolver=resolver)
    run = ProbeRun(
        targets_for_candidates(found.candidates, probe_options), probe_options, progress=progress
    )
    run.start()
    try:
        decided = with_candidates(await run.decided(), found.candidates)
    except BaseException:
        await run.aclose()
        raise
    best = decided.recommended
    if decided.complete:
        await run.aclose()
    still_running = None if decided.complete else run
    if best is None or best.candidate is None:
        outcome = _outcome(found, None, verified=False)
    else:
        settings = ServerSettings(
            host=best.host,
            port=best.port,
            security=best.security,
            username=best.candidate.username or found.email,
        )
        outcome = _outcome(
            found,
            settings,
            verified=True,
            trusted=best.candidate.trusted,
            source_words=best.candidate.source.label,
        )
    return replace(outcome, pending_run=still_running)


def _outcome(
    found: DiscoveryResult,
    settings: ServerSettings | None,
    *,
    verified: bool,
    trusted: bool | None = None,
    source_words: str | None = None,
) -> SearchOutcome:
    best = found.best
    if settings is None and best is not None:
        # Found, but nothing answered: offer discovery's best for the person to check.
        settings = best.to_settings()
        if settings is not None and settings.username is None:
            settings = settings.with_changes(username=found.email)
    return SearchOutcome(
        settings=settings,
        trusted=bool(best and best.trusted) if trusted is None else trusted,
        verified=verified,
        source_words=source_words or (best.source.label if best else ""),
        summary=found.summary(),
        notes=found.notes,
        provider_name=found.provider.name if found.provider else "",
        incoming=found.incoming,
    )


async def finish_pending(run: ProbeRun) -> None:
    """Let the ports still pending at the decision finish (they keep reporting), then close."""
    try:
        await run.finished()
    finally:
        await run.aclose()
