"""What to probe for a host or for discovery's candidates, and the probe's entry points."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from ..settings import Security
from .model import ProbeOptions, ProbeResult, ProbeTarget
from .ports import PortProgress, ProbeRun

if TYPE_CHECKING:
    from ..discovery.model import Candidate

__all__ = ["probe_candidates", "probe_host", "targets_for_candidates", "with_candidates"]


async def probe_host(
    host: str,
    *,
    options: ProbeOptions | None = None,
    progress: PortProgress | None = None,
) -> ProbeResult:
    """Probe options.ports of one host. Returns at the early decision unless options.wait_all.

    Attempts still running at that point are stopped (their reports stay "pending"); use
    ProbeRun directly to keep them running and keep receiving progress.
    """
    options = options or ProbeOptions()
    targets = [ProbeTarget(host, port, security) for port, security in options.ports]
    async with ProbeRun(targets, options, progress, host=host) as run:
        return await (run.finished() if options.wait_all else run.decided())


def targets_for_candidates(
    candidates: Sequence[Candidate], options: ProbeOptions, *, with_addresses: bool = False
) -> list[ProbeTarget]:
    """What to probe for discovery's candidates, best first.

    First every candidate's stated port (trusted sources come first in discovery's order), then
    the standard ports of every candidate host that were not stated, host by host. With
    with_addresses, a target carries the addresses discovery looked up for its host (only when
    the probe asks the same DNS server as discovery did).
    """
    targets: list[ProbeTarget] = []
    seen: set[tuple[str, int]] = set()
    known: dict[str, tuple[str, ...]] = {}
    if with_addresses:
        for candidate in candidates:
            if candidate.addresses:
                known.setdefault(candidate.host.casefold(), candidate.addresses)

    def add(host: str, port: int, security: Security, index: int) -> None:
        key = (host.casefold(), port)
        if key not in seen:
            seen.add(key)
            targets.append(ProbeTarget(host, port, security, index, known.get(key[0], ())))

    for index, candidate in enumerate(candidates):
        if candidate.port is not None:
            security = candidate.security or _default_security(candidate.port, options)
            add(candidate.host, candidate.port, security, index)
    for index, candidate in enumerate(candidates):
        for port, security in options.ports:
            add(candidate.host, port, security, index)
    return targets


def _default_security(port: int, options: ProbeOptions) -> Security:
    for known, security in options.ports:
        if known == port:
            return security
    return Security.TLS if port == 465 else Security.STARTTLS


async def probe_candidates(
    candidates: Sequence[Candidate],
    *,
    options: ProbeOptions | None = None,
    progress: PortProgress | None = None,
) -> ProbeResult:
    """Probe discovery's candidates; the recommendation carries the candidate it came from."""
    options = options or ProbeOptions()
    targets = targets_for_candidates(candidates, options)
    async with ProbeRun(targets, options, progress) as run:
        result = await (run.finished() if options.wait_all else run.decided())
    return with_candidates(result, candidates)


def with_candidates(result: ProbeResult, candidates: Sequence[Candidate]) -> ProbeResult:
    best = result.recommended
    if best is None or best.report.candidate is None:
        return result
    return replace(result, recommended=replace(best, candidate=candidates[best.report.candidate]))
