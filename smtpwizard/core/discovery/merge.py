"""Discovery's answer from the sources' outcomes: their candidates merged in rank order, one entry
per server, and the provider and notes of the best."""

from __future__ import annotations

from dataclasses import replace

from .model import Candidate, DiscoveryResult, ProviderInfo, SourceKind, SourceReport
from .providers import provider_by_id
from .source import SourceOutcome

__all__ = ["discovery_result", "merged_candidates"]


def discovery_result(
    email: str,
    domain: str,
    outcomes: dict[SourceKind, SourceOutcome],
    reports: tuple[SourceReport, ...],
    elapsed: float,
    also: tuple[Candidate, ...] = (),
) -> DiscoveryResult:
    candidates = merged_candidates(outcomes, also)
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


def merged_candidates(
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
