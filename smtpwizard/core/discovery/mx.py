"""The MX source: who receives the domain's mail says a lot about who sends it.

First the provider table on the MX host (*.protection.outlook.com -> Microsoft 365), then, like
Thunderbird, autoconfig and the ISPDB for the MX host's base domain (Public Suffix List aware:
mx.bbc.co.uk -> bbc.co.uk) and the ISPDB for the MX host minus its first label.
"""

from __future__ import annotations

from dataclasses import replace

from .autoconfig import autoconfig_for, ispdb_for
from .domains import base_domain, parent_domain
from .model import ProviderFlag, SourceKind, SourceStatus
from .providers import match_mx
from .source import SourceContext, SourceOutcome, first_in_order

__all__ = ["mx_source"]


async def mx_source(ctx: SourceContext) -> SourceOutcome:
    answer = await ctx.mx()
    if not answer.records:
        status = SourceStatus.FAILED if answer.failed else SourceStatus.NOTHING
        return SourceOutcome(status, answer.reason)
    hosts = [record.host for record in answer.records if record.host]
    if not hosts:
        return SourceOutcome(
            SourceStatus.NOTHING, f"{ctx.domain} says it receives no mail at all (null MX)"
        )
    for host in hosts:
        provider = match_mx(host)
        if provider is None:
            continue
        detail = f"Your domain's mail goes to {host}, which is run by {provider.info.name}."
        candidates = provider.candidates(ctx.email, SourceKind.MX, trusted=False, detail=detail)
        if not candidates and ProviderFlag.NO_SMTP not in provider.info.flags:
            continue
        return SourceOutcome(
            SourceStatus.FOUND,
            f"mail server {host} belongs to {provider.info.name}",
            tuple(candidates),
            provider,
        )
    top = hosts[0]
    base = base_domain(top)
    if base == base_domain(ctx.domain):
        return SourceOutcome(
            SourceStatus.NOTHING,
            f"mail server {top} is your domain's own and not one we recognise",
        )
    jobs = [autoconfig_for(ctx, base, source=SourceKind.MX, scheme="https")]
    parent = parent_domain(top)
    if parent and parent != base:
        jobs.append(ispdb_for(ctx, parent, source=SourceKind.MX))
    jobs.append(ispdb_for(ctx, base, source=SourceKind.MX))
    best, results = await first_in_order(jobs, lambda o: o.status is SourceStatus.FOUND)
    if best is None:
        failed = any(o.status is SourceStatus.FAILED for o in results)
        reasons = "; ".join(o.reason for o in results)
        return SourceOutcome(
            SourceStatus.FAILED if failed else SourceStatus.NOTHING,
            f"mail server {top} ({base}) is not one we recognise; {reasons}",
        )
    prefix = f"Your domain's mail goes to {top} ({base}). "
    derived = tuple(replace(c, detail=prefix + c.detail) for c in best.candidates)
    return SourceOutcome(SourceStatus.FOUND, f"via mail server {top}: {best.reason}", derived)
