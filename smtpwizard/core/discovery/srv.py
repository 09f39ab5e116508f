"""RFC 6186 / RFC 8314 SRV records: _submissions._tcp (implicit TLS) before _submission._tcp."""

from __future__ import annotations

import asyncio

from ..settings import Security
from .model import Candidate, SourceKind, SourceStatus
from .source import SourceContext, SourceOutcome

__all__ = ["srv_source"]

# RFC 8314 section 5.1: prefer implicit TLS when both are published.
_SERVICES = (("_submissions._tcp", Security.TLS), ("_submission._tcp", Security.STARTTLS))


async def srv_source(ctx: SourceContext) -> SourceOutcome:
    names = [f"{service}.{ctx.domain}" for service, _ in _SERVICES]
    answers = await asyncio.gather(*(ctx.resolver.srv(name) for name in names))
    candidates: list[Candidate] = []
    reasons: list[str] = []
    failed = False
    for name, (_, security), answer in zip(names, _SERVICES, answers, strict=True):
        if not answer.records:
            failed = failed or answer.failed
            reasons.append(answer.reason)
            continue
        usable = [r for r in answer.records if r.target and 1 <= r.port <= 65535]
        if not usable:
            reasons.append(f"{name} says this service is not offered")
            continue
        for record in usable:
            candidates.append(
                Candidate(
                    host=record.target,
                    port=record.port,
                    security=security,
                    username=None,
                    source=SourceKind.SRV,
                    trusted=False,
                    priority=SourceKind.SRV.rank * 100 + len(candidates),
                    detail=(
                        f"Your domain publishes {name} -> {record.target}:{record.port} "
                        f"(priority {record.priority}, weight {record.weight})."
                    ),
                )
            )
        reasons.append(f"{name}: {len(usable)} server(s)")
    if candidates:
        return SourceOutcome(SourceStatus.FOUND, "; ".join(reasons), tuple(candidates))
    status = SourceStatus.FAILED if failed else SourceStatus.NOTHING
    return SourceOutcome(status, "; ".join(reasons))
