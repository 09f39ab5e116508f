"""Discovery followed by probing, reported as events the Finding page shows live."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from ..core.check import CheckOptions, run_check
from ..core.discovery import DiscoveryOptions, DiscoveryResult, discover
from ..core.resolve import ResolverConfig
from ..core.settings import IncomingServer, ServerSettings


@dataclass(frozen=True, slots=True)
class PortEvent:
    host: str
    port: int
    status: str  # working | pending | plaintext_only | failed
    words: str


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

    @classmethod
    def nothing(cls, summary: str) -> SearchOutcome:
        return cls(None, False, False, "", summary)


async def find_settings(
    email: str,
    options: DiscoveryOptions,
    *,
    ca_file: str | None,
    resolver: ResolverConfig,
    progress: Callable[[object], None],
) -> SearchOutcome:
    result = await discover(email, options=options, progress=progress)
    base = _base_outcome(result)
    candidates = [c for c in result.candidates if c.complete][:4]
    if not candidates:
        return base
    check_options = CheckOptions(timeout=12.0, ca_file=ca_file, resolver=resolver)

    async def verify(index: int) -> bool:
        candidate = candidates[index]
        settings = candidate.to_settings()
        assert settings is not None
        progress(PortEvent(settings.host, settings.port, "pending", "testing…"))
        outcome = await run_check(settings.with_changes(username=None), options=check_options)
        words = "works" if outcome.ok else outcome.diagnosis.title.lower()
        progress(
            PortEvent(settings.host, settings.port, "working" if outcome.ok else "failed", words)
        )
        return outcome.ok

    tasks = [asyncio.create_task(verify(i)) for i in range(len(candidates))]
    try:
        for index, task in enumerate(tasks):
            if await task:
                chosen = candidates[index]
                return SearchOutcome(
                    settings=chosen.to_settings(),
                    trusted=chosen.trusted,
                    verified=True,
                    source_words=chosen.source.label,
                    summary=result.summary(),
                    notes=result.notes,
                    provider_name=result.provider.name if result.provider else "",
                    incoming=result.incoming,
                )
    finally:
        for task in tasks:
            task.cancel()
    return base


def _base_outcome(result: DiscoveryResult) -> SearchOutcome:
    best = result.best
    settings = best.to_settings() if best else None
    return SearchOutcome(
        settings=settings,
        trusted=bool(best and best.trusted),
        verified=False,
        source_words=best.source.label if best else "",
        summary=result.summary(),
        notes=result.notes,
        provider_name=result.provider.name if result.provider else "",
        incoming=result.incoming,
    )
