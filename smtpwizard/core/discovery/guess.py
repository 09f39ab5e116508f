"""Guesses: smtp.DOMAIN, mail.DOMAIN, DOMAIN and the MX host, kept only when the name exists.

Ports and encryption are the probe's business: guesses carry port=None, security=None.
"""

from __future__ import annotations

import asyncio

from .dns import DnsAnswer
from .model import Candidate, SourceKind, SourceStatus
from .providers import match_mx
from .source import SourceContext, SourceOutcome

__all__ = ["guess_hosts", "guess_source"]


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
        for task in asked.values():
            task.cancel()
        await asyncio.gather(*asked.values(), return_exceptions=True)
    candidates: list[Candidate] = []
    reasons: list[str] = []
    failed = False
    for host, answer in zip(hosts, answers, strict=True):
        if not answer.records:
            failed = failed or answer.failed
            reasons.append(answer.reason)
            continue
        why = "your domain's mail server (MX)" if host == mx_host else "a common name"
        candidates.append(
            Candidate(
                host=host,
                port=None,
                security=None,
                username=None,
                source=SourceKind.GUESS,
                trusted=False,
                priority=SourceKind.GUESS.rank * 100 + len(candidates),
                detail=f"Guessed: {host} is {why} and exists; the usual ports will be tried.",
                # A pinned name's address is the pin, which the probe has its own way to know.
                addresses=() if host in ctx.options.resolve else answer.records,
            )
        )
        reasons.append(f"{host} exists")
    if candidates:
        return SourceOutcome(SourceStatus.FOUND, "; ".join(reasons), tuple(candidates))
    status = SourceStatus.FAILED if failed else SourceStatus.NOTHING
    return SourceOutcome(status, "; ".join(reasons))


async def _addresses(ctx: SourceContext, host: str) -> DnsAnswer[str]:
    # A name pinned with resolve (like curl --resolve) exists for us whatever DNS says.
    pinned = ctx.options.resolve.get(host)
    return DnsAnswer((pinned,)) if pinned else await ctx.resolver.addresses(host)
