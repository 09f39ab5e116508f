"""One deliverability report: the lookups every check needs, the checks together, the verdict."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable

from ..discovery.dns import DnsAnswer, MxRecord, Resolver
from ..discovery.model import DiscoveryOptions
from ..discovery.providers import Provider, match_domain, match_mx, match_smtp_host
from ..errors import InputError
from ..inputs import is_ip, parse_host
from .context import Context
from .dkim import check_dkim
from .dmarc import check_dmarc
from .fixes import dns_host_name
from .model import Check, CheckId, DeliverabilityOptions, DeliverabilityReport, Status, Verdict
from .mtasts import check_mta_sts, check_tls_rpt
from .server import check_mx, check_ptr
from .spf import check_spf

__all__ = ["check_deliverability", "is_test_domain", "verdict_of"]

# RFC 6761 and RFC 2606: names that never exist in public DNS, so there is nothing to check
# unless a DNS server of one's own (a lab) is asked.
_TEST_SUFFIXES = (
    "test",
    "example",
    "invalid",
    "localhost",
    "example.com",
    "example.net",
    "example.org",
)


def is_test_domain(domain: str) -> bool:
    name = domain.rsplit("@", 1)[-1].rstrip(".").lower()
    return any(name == s or name.endswith("." + s) for s in _TEST_SUFFIXES)


_TITLES = {
    CheckId.SPF: "SPF: which servers may send as you",
    CheckId.DKIM: "DKIM: your mail's signature key",
    CheckId.DMARC: "DMARC: what receivers do with mail that fails",
    CheckId.PTR: "Reverse DNS of your sending server",
    CheckId.MTA_STS: "MTA-STS: mail to you only over verified TLS",
    CheckId.TLS_RPT: "TLS reports: hear about failed secure deliveries",
}


async def check_deliverability(
    domain: str, options: DeliverabilityOptions | None = None, *, email: str | None = None
) -> DeliverabilityReport:
    """Check domain's DNS for what receivers ask of senders. Never raises for what DNS says;
    InputError for a domain or server name that cannot be one. email: the sender's address,
    used as the report address in suggested records."""
    options = options or DeliverabilityOptions()
    name = parse_host(domain.rsplit("@", 1)[-1], "domain").host
    if is_ip(name) or "." not in name:
        raise InputError(f"{domain!r} is not a domain name (for example example.com).", "domain")
    smtp_host = parse_host(options.smtp_host, "smtp_host").host if options.smtp_host else None
    deadline = time.monotonic() + options.timeout
    resolver = Resolver(options.dns_server, timeout=options.dns_timeout)
    addresses, mx, ns = await asyncio.gather(
        _addresses(resolver, smtp_host), resolver.mx(name), resolver.ns(name)
    )
    mx_hosts = tuple(r.host for r in mx.records if r.host)
    provider, provider_sends = _provider(name, smtp_host, mx_hosts)
    ctx = Context(
        domain=name,
        smtp_host=smtp_host,
        addresses=addresses,
        provider=provider,
        provider_sends=provider_sends,
        dns_host=dns_host_name(ns.records),
        resolver=resolver,
        dns_server=options.dns_server,
        dns_timeout=options.dns_timeout,
        deadline=deadline,
    )
    web = DiscoveryOptions(
        dns_server=options.dns_server,
        ca_file=options.ca_file,
        web_ports=options.web_ports,
        max_document_bytes=64 * 1024,
        dns_timeout=options.dns_timeout,
    )
    selectors = tuple(s.strip().lower() for s in options.selectors if s.strip())
    spf, dkim, ptr, sts, rpt = await asyncio.gather(
        _bounded(ctx, CheckId.SPF, check_spf(ctx)),
        _bounded(ctx, CheckId.DKIM, check_dkim(ctx, selectors)),
        _bounded(ctx, CheckId.PTR, check_ptr(ctx)) if smtp_host else _nothing(),
        _bounded(ctx, CheckId.MTA_STS, check_mta_sts(ctx, mx_hosts, web)),
        _bounded(ctx, CheckId.TLS_RPT, check_tls_rpt(ctx, email)),
    )
    dmarc = await _bounded(ctx, CheckId.DMARC, check_dmarc(ctx, spf, dkim, email))
    checks = [spf, dkim, dmarc, *([ptr] if ptr else []), _mx(ctx, mx), sts, rpt]
    verdict, summary = verdict_of(checks)
    return DeliverabilityReport(
        domain=name,
        smtp_host=smtp_host,
        addresses=addresses,
        provider=ctx.provider.info.name if ctx.provider else None,
        checks=tuple(checks),
        verdict=verdict,
        summary=summary,
    )


def verdict_of(checks: list[Check]) -> tuple[Verdict, str]:
    by_id = {c.id: c for c in checks}
    bad = (Status.FAIL, Status.MISSING)
    unauthenticated = by_id[CheckId.SPF].status in bad and by_id[CheckId.DKIM].status in bad
    blockers = [
        c for c in checks if c.status is Status.FAIL and c.id in (CheckId.PTR, CheckId.DMARC)
    ]
    if unauthenticated:
        return Verdict.BLOCKED, (
            "Mail from this domain has neither a working SPF record nor a DKIM key: Gmail, "
            "Yahoo and Outlook.com will refuse it or put it in spam."
        )
    if blockers:
        return (
            Verdict.BLOCKED,
            f"Big receivers will refuse or spam-folder this mail: {_names(blockers)}.",
        )
    weak = [c for c in checks if not c.optional and c.status is not Status.PASS]
    if weak:
        return (
            Verdict.AT_RISK,
            f"Mail will mostly arrive, but fix these to be safe: {_names(weak)}.",
        )
    return Verdict.GOOD, "This domain has everything the big receivers ask of senders."


def _names(checks: list[Check]) -> str:
    return ", ".join(c.title.split(":")[0] for c in checks)


async def _addresses(resolver: Resolver, host: str | None) -> tuple[str, ...]:
    if host is None:
        return ()
    if is_ip(host):
        return (host,)
    answer = await resolver.addresses(host)
    return answer.records[:8]  # more is a hostile answer; a handful show the picture


def _provider(
    domain: str, smtp_host: str | None, mx_hosts: tuple[str, ...]
) -> tuple[Provider | None, bool]:
    """Who runs the domain's mail, and whether mail leaves through that provider's servers."""
    candidates = [p for p in (*(match_mx(h) for h in mx_hosts[:5]), match_domain(domain)) if p]
    if smtp_host is None:
        return (candidates[0], True) if candidates else (None, False)
    for candidate in candidates:  # smtp.gmail.com is Gmail's and Workspace's: the MX decides
        if any(server.host == smtp_host for server in candidate.smtp):
            return candidate, True
    sender = match_smtp_host(smtp_host)
    if sender is not None:
        return sender, True
    return (candidates[0] if candidates else None), False


def _mx(ctx: Context, answer: DnsAnswer[MxRecord]) -> Check:
    return check_mx(ctx, answer.records, answer.reason, answer.failed)


async def _nothing() -> None:
    return None


async def _bounded(ctx: Context, check_id: CheckId, work: Awaitable[Check]) -> Check:
    """The check's answer, or a plain "no answer in time" at the report's deadline."""
    try:
        return await asyncio.wait_for(work, timeout=max(0.05, ctx.left()))
    except TimeoutError:
        return Check(
            check_id,
            Status.WARN,
            _TITLES[check_id],
            "The DNS servers did not answer in time, so this could not be checked. Try again "
            "later; if it keeps happening, the domain's DNS servers are not answering.",
            optional=check_id in (CheckId.MTA_STS, CheckId.TLS_RPT),
        )
