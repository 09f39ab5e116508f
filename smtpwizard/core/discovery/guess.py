"""Guesses: smtp.DOMAIN, mail.DOMAIN, DOMAIN and the MX host, kept only when the name exists.

Ports and encryption are the probe's business: guesses carry port=None, security=None.
"""

from __future__ import annotations

import asyncio

from ..tasks import cancel_and_wait
from .dns import DnsAnswer, MxRecord
from .model import Candidate, SourceKind, SourceStatus
from .providers import match_mx
from .source import SourceContext, SourceOutcome

__all__ = ["guess_candidate", "guess_hosts", "guess_source", "mx_guess"]


def guess_hosts(domain: str, mx_host: str | None) -> list[str]:
    hosts = [f"smtp.{domain}", f"mail.{domain}", domain]
    # A recognised provider's MX (Google, Microsoft) receives mail only: the MX source already
    # gave that provider's real submission server.
    if mx_host and mx_host not in hosts and match_mx(mx_host) is None:
        hosts.append(mx_host)
    return hosts


async def guess_source(ctx: SourceContext) -> SourceOutcome:
    # The common names do not depend on the MX answer: asked at once, beside the MX question,
    # so only the MX host's own lookup waits for it.
    common = guess_hosts(ctx.domain, None)
    asked = {host: asyncio.ensure_future(_addresses(ctx, host)) for host in common}
    try:
        mx = await ctx.mx()
        mx_host = next((record.host for record in mx.records if record.host), None)
        hosts = guess_hosts(ctx.domain, mx_host)
        for host in hosts:
            if host not in asked:
                asked[host] = asyncio.ensure_future(_addresses(ctx, host))
        answers = await asyncio.gather(*(asked[host] for host in hosts))
    finally:
        await cancel_and_wait(asked.values())
    candidates: list[Candidate] = []
    reasons: list[str] = []
    failed = False
    for host, answer in zip(hosts, answers, strict=True):
        if not answer.records:
            failed = failed or answer.failed
            reasons.append(answer.reason)
            continue
        candidates.append(
            guess_candidate(ctx, host, len(candidates), answer.records, mx=host == mx_host)
        )
        reasons.append(f"{host} exists")
    if candidates:
        return SourceOutcome(SourceStatus.FOUND, "; ".join(reasons), tuple(candidates))
    status = SourceStatus.FAILED if failed else SourceStatus.NOTHING
    return SourceOutcome(status, "; ".join(reasons))


def mx_guess(ctx: SourceContext, mx: DnsAnswer[MxRecord]) -> str | None:
    """The MX host, when the guesses will try it as a name of its own (looked up in DNS)."""
    host = next((record.host for record in mx.records if record.host), None)
    if host and host in guess_hosts(ctx.domain, host)[3:] and host not in ctx.options.resolve:
        return host
    return None


def guess_candidate(
    ctx: SourceContext, host: str, position: int, addresses: tuple[str, ...], *, mx: bool
) -> Candidate:
    why = "your domain's mail server (MX)" if mx else "a common name"
    return Candidate(
        host=host,
        port=None,
        security=None,
        username=None,
        source=SourceKind.GUESS,
        trusted=False,
        priority=SourceKind.GUESS.rank * 100 + position,
        detail=f"Guessed: {host} is {why} and exists; the usual ports will be tried.",
        # A pinned name's address is the pin, which the probe has its own way to know.
        addresses=() if host in ctx.options.resolve else addresses,
    )


async def _addresses(ctx: SourceContext, host: str) -> DnsAnswer[str]:
    # A name pinned with resolve (like curl --resolve) exists for us whatever DNS says.
    pinned = ctx.options.resolve.get(host)
    return DnsAnswer((pinned,)) if pinned else await ctx.resolver.addresses(host)
