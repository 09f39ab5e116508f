"""Running every source together and deciding as soon as the best possible answer is known.

All sources start at once, each under its own deadline. The answer is decided when some source
has found something and every source ranked above it has finished (found nothing, failed or
timed out): lower-ranked sources still running are then cancelled, never waited for. Nothing
outlives discover(): on return, error or cancellation every task is cancelled and awaited and the
HTTP client is closed, so no socket stays open.

Before that decision, `on_candidates` hears the candidates known so far (in the final result's
order and form) each time a source finds some, so the probe can start on them while better
sources still run (core/probe/search.py). The candidates discover() returns always include every
one handed out that way: a source that finished stays in the result, and the MX host handed
out before the guess source finished (_watch_mx_host) stays when that source did not finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from ..errors import InputError
from ..inputs import email_domain, parse_email
from ..tasks import cancel_and_wait
from .autoconfig import autoconfig_source, http_autoconfig_source, ispdb_source
from .dns import DnsAnswer, MxRecord, Resolver
from .guess import guess_candidate, guess_source, mx_guess
from .model import (
    Candidate,
    DiscoveryEvent,
    DiscoveryOptions,
    DiscoveryResult,
    ProviderFlag,
    ProviderInfo,
    SourceKind,
    SourceReport,
    SourceStatus,
)
from .mx import mx_source
from .providers import match_domain, provider_by_id, providers
from .source import SourceContext, SourceOutcome
from .srv import srv_source
from .webfetch import WebFetcher

__all__ = ["discover"]

log = logging.getLogger(__name__)
Progress = Callable[[DiscoveryEvent], None]
Partial = Callable[[tuple[Candidate, ...]], None]


async def provider_table_source(ctx: SourceContext) -> SourceOutcome:
    provider = match_domain(ctx.domain)
    if provider is None:
        return SourceOutcome(
            SourceStatus.NOTHING,
            f"{ctx.domain} is not one of the {len(providers())} providers we know",
        )
    info = provider.info
    detail = (
        f"{info.name}, from our built-in list (checked {info.checked} against {info.source_url})."
    )
    candidates = provider.candidates(
        ctx.email, SourceKind.PROVIDER_TABLE, trusted=True, detail=detail
    )
    if ProviderFlag.NO_SMTP in info.flags:
        return SourceOutcome(SourceStatus.FOUND, f"{info.name} offers no SMTP access", (), provider)
    return SourceOutcome(SourceStatus.FOUND, f"{info.name}", tuple(candidates), provider)


_SOURCES: dict[SourceKind, Callable[[SourceContext], Awaitable[SourceOutcome]]] = {
    SourceKind.PROVIDER_TABLE: provider_table_source,
    SourceKind.AUTOCONFIG: autoconfig_source,
    SourceKind.ISPDB: ispdb_source,
    SourceKind.MX: mx_source,
    SourceKind.SRV: srv_source,
    SourceKind.AUTOCONFIG_HTTP: http_autoconfig_source,
    SourceKind.GUESS: guess_source,
}


async def discover(
    email: str,
    *,
    options: DiscoveryOptions | None = None,
    progress: Progress | None = None,
    on_candidates: Partial | None = None,
) -> DiscoveryResult:
    """Find outgoing-server candidates for an address. Raises InputError for a bad address.

    on_candidates: called with the candidates found so far whenever a source finds some
    before the answer is decided (see the module docstring)."""
    options = options or DiscoveryOptions()
    # Only https: a plain-http ISPDB could be answered by anyone on the network, and its
    # answer would be taken as the trusted source it stands for.
    if not options.ispdb_url.lower().startswith("https://"):
        raise InputError(
            f"The ISPDB address must start with https:// (got {options.ispdb_url[:80]!r}).",
            "ispdb_url",
        )
    address = parse_email(email)
    domain = email_domain(address)
    loop = asyncio.get_running_loop()
    start = loop.time()

    def elapsed() -> float:
        return loop.time() - start

    def emit(event: DiscoveryEvent) -> None:
        if progress is not None:
            progress(event)

    enabled = [kind for kind in SourceKind if _enabled(kind, options)]
    for kind in SourceKind:
        if kind not in enabled:
            emit(DiscoveryEvent(kind, "finished", SourceStatus.SKIPPED, _off_reason(kind)))
    resolver = Resolver(options.dns_server, options.dns_timeout, shared=True)
    await resolver.open()
    durations: dict[SourceKind, float] = {}
    tasks: dict[asyncio.Task[SourceOutcome], SourceKind] = {}
    async with WebFetcher(options, resolver) as fetcher:
        mx_lookup = loop.create_task(
            resolver.mx(domain) if {SourceKind.MX, SourceKind.GUESS} & set(enabled) else _no_mx()
        )
        ctx = SourceContext(address, domain, options, resolver, fetcher, mx_lookup)
        outcomes: dict[SourceKind, SourceOutcome] = {}
        watching = [True]  # the MX host's early lookup may report until discovery returns
        handed: list[Candidate] = []  # what that lookup handed out
        if SourceKind.GUESS in enabled:  # asked now (the task above shares it): before all else
            resolver.mx_now(
                domain,
                lambda mx: _watch_mx_host(
                    mx, ctx, outcomes, enabled, on_candidates, watching, handed
                ),
            )
        for kind in enabled:
            ctx.finished[kind] = loop.create_future()
        # Set when the answer is decided or every source has finished; each source's own task
        # reports in, instead of a wait on them all after each one ends (asyncio.wait takes a
        # pass of the loop per source that ends, and one more to resume).
        ended: asyncio.Future[None] = loop.create_future()

        async def run(kind: SourceKind) -> SourceOutcome:
            try:
                emit(DiscoveryEvent(kind, "started", elapsed=elapsed()))
                outcome = await _run_source(kind, ctx)
                durations[kind] = elapsed()
                ctx.finished[kind].set_result(outcome)
                emit(DiscoveryEvent(kind, "finished", outcome.status, outcome.reason, elapsed()))
            except Exception as exc:  # a progress callback's: discover() raises it
                if not ended.done():
                    ended.set_exception(exc)
                raise
            _record(kind, outcome, outcomes, enabled, ended, on_candidates, handed)
            return outcome

        try:
            for kind in enabled:
                tasks[loop.create_task(run(kind))] = kind
            if enabled:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout_at(start + options.timeout):
                        await ended
        finally:
            watching[0] = False
            await _cancel_all([*tasks, mx_lookup], ctx)
            await resolver.aclose()
    best_found = min(
        (k for k, o in outcomes.items() if o.status is SourceStatus.FOUND),
        key=lambda k: k.rank,
        default=None,
    )
    reports: list[SourceReport] = []
    for kind in SourceKind:
        if kind not in enabled:
            reports.append(SourceReport(kind, SourceStatus.SKIPPED, _off_reason(kind), 0.0))
        elif kind in outcomes:
            outcome = outcomes[kind]
            reports.append(SourceReport(kind, outcome.status, outcome.reason, durations[kind]))
        else:
            if best_found is not None:
                report = SourceReport(
                    kind,
                    SourceStatus.PENDING,
                    f"not needed: a better source had already answered ({best_found.label})",
                    elapsed(),
                )
            else:
                report = SourceReport(
                    kind,
                    SourceStatus.FAILED,
                    f"did not finish within the overall limit of {options.timeout:g} s",
                    elapsed(),
                )
            reports.append(report)
            emit(DiscoveryEvent(kind, "finished", report.status, report.reason, elapsed()))
    return _result(address, domain, outcomes, tuple(reports), elapsed(), _kept(outcomes, handed))


def _watch_mx_host(
    mx: DnsAnswer[MxRecord],
    ctx: SourceContext,
    outcomes: dict[SourceKind, SourceOutcome],
    enabled: list[SourceKind],
    partial: Partial | None,
    watching: list[bool],
    handed: list[Candidate],
) -> None:
    """The guess source's lookup of the MX host, asked the moment the MX answer is in; and,
    for a caller that probes early, that host as a candidate the moment its addresses are.

    Why: for a domain that only has an MX record this is the path to the answer (MX, the
    host's addresses, the port check), and each hop through a task or a future's callback
    costs a pass of the event loop shared with every other source's work (bench/probe.py on
    loopback: the MX host's addresses were asked 0.8 ms after the MX answer came in, and the
    first port check began 0.8 ms after theirs). The candidate is the one the guess source
    reports for the host; its final list replaces it.
    """
    if not watching[0]:
        return
    host = mx_guess(ctx, mx)
    if host is None:
        return

    def addresses_in(answer: DnsAnswer[str]) -> None:
        if partial is None or not watching[0] or SourceKind.GUESS in outcomes:
            return
        if answer.records and not _decided(outcomes, enabled):
            candidate = guess_candidate(ctx, host, 3, answer.records, mx=True)
            handed.append(candidate)
            partial(_candidates(outcomes, also=(candidate,)))

    ctx.resolver.addresses_soon(host, then=addresses_in)


async def _no_mx() -> DnsAnswer[MxRecord]:
    return DnsAnswer(reason="not asked")


def _enabled(kind: SourceKind, options: DiscoveryOptions) -> bool:
    if kind is SourceKind.AUTOCONFIG_HTTP and not options.allow_http:
        return False
    return kind in options.sources


def _off_reason(kind: SourceKind) -> str:
    if kind is SourceKind.AUTOCONFIG_HTTP:
        return "switched off (plain http not allowed)"
    return "switched off"


async def _run_source(kind: SourceKind, ctx: SourceContext) -> SourceOutcome:
    # The plain-http source waits for https first and applies its own deadline afterwards.
    limit = (
        ctx.options.timeout
        if kind is SourceKind.AUTOCONFIG_HTTP
        else ctx.options.source_timeout(kind)
    )
    try:
        async with asyncio.timeout(limit):
            return await _SOURCES[kind](ctx)
    except TimeoutError:
        return SourceOutcome(SourceStatus.FAILED, f"no answer within {limit:g} s")
    except Exception as exc:  # one broken source must not sink the others
        log.exception("discovery source %s failed", kind)
        return SourceOutcome(SourceStatus.FAILED, f"unexpected error: {type(exc).__name__}: {exc}")


def _record(
    kind: SourceKind,
    outcome: SourceOutcome,
    outcomes: dict[SourceKind, SourceOutcome],
    enabled: list[SourceKind],
    ended: asyncio.Future[None],
    partial: Partial | None,
    handed: Sequence[Candidate],
) -> None:
    """A source's outcome, the moment its task has it; `ended` once nothing more is needed.
    One that ends in the same pass as the decision, before discover() resumes, is kept."""
    outcomes[kind] = outcome
    if ended.done():
        return
    if _decided(outcomes, enabled) or len(outcomes) == len(enabled):
        ended.set_result(None)
    elif outcome.candidates and partial is not None:
        partial(_candidates(outcomes, _kept(outcomes, handed)))


def _kept(
    outcomes: dict[SourceKind, SourceOutcome], handed: Sequence[Candidate]
) -> tuple[Candidate, ...]:
    """The MX host handed out early, while the guess source has not finished: the probe may
    have tried it already, and a list without it would make the probe forget that result (and,
    were it listed again, connect again)."""
    return () if SourceKind.GUESS in outcomes else tuple(handed)


def _decided(outcomes: dict[SourceKind, SourceOutcome], enabled: list[SourceKind]) -> bool:
    found = [k for k, o in outcomes.items() if o.status is SourceStatus.FOUND]
    if not found:
        return False
    best = min(found, key=lambda k: k.rank)
    return all(k in outcomes for k in enabled if k.rank < best.rank)


async def _cancel_all(
    tasks: list[asyncio.Task[SourceOutcome] | asyncio.Task[DnsAnswer[MxRecord]]], ctx: SourceContext
) -> None:
    for future in ctx.finished.values():
        future.cancel()
    await cancel_and_wait(tasks)


def _result(
    email: str,
    domain: str,
    outcomes: dict[SourceKind, SourceOutcome],
    reports: tuple[SourceReport, ...],
    elapsed: float,
    also: tuple[Candidate, ...] = (),
) -> DiscoveryResult:
    candidates = _candidates(outcomes, also)
    best = candidates[0] if candidates else None
    provider_info = _provider(outcomes, best)
    notes: list[str] = list(provider_info.notes) if provider_info else []
    for note in best.notes if best else ():
        if note not in notes:
            notes.append(note)
    incoming = best.incoming if best and best.incoming else None
    if incoming is None:
        incoming = next((c.incoming for c in candidates if c.incoming), None)
    return DiscoveryResult(
        email=email,
        domain=domain,
        candidates=tuple(candidates),
        sources=reports,
        provider=provider_info,
        notes=tuple(notes),
        incoming=incoming,
        elapsed=elapsed,
    )


def _candidates(
    outcomes: dict[SourceKind, SourceOutcome], also: tuple[Candidate, ...] = ()
) -> tuple[Candidate, ...]:
    found = [c for o in outcomes.values() for c in o.candidates]
    return tuple(_dedupe(sorted([*found, *also], key=lambda c: c.priority)))


def _provider(
    outcomes: dict[SourceKind, SourceOutcome], best: Candidate | None
) -> ProviderInfo | None:
    for kind in (SourceKind.PROVIDER_TABLE, SourceKind.MX):
        outcome = outcomes.get(kind)
        if outcome and outcome.provider and (best is None or best.source.rank >= kind.rank):
            return outcome.provider.info
    if best and best.provider_id:
        provider = provider_by_id(best.provider_id)
        return provider.info if provider else None
    return None


def _dedupe(candidates: list[Candidate]) -> list[Candidate]:
    """One entry per (host, port, security): the best-ranked, noting who else suggested it."""
    kept: dict[tuple[str, int | None, str | None], int] = {}
    result: list[Candidate] = []
    for candidate in candidates:
        key = (candidate.host, candidate.port, candidate.security)
        if key not in kept:
            kept[key] = len(result)
            result.append(candidate)
            continue
        first = result[kept[key]]
        also = f" Also suggested by: {candidate.source.label}."
        if also not in first.detail:
            result[kept[key]] = replace(first, detail=first.detail + also)
    return result
