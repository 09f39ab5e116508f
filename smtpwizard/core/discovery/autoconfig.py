"""Sources that fetch clientConfig documents: the provider's autoconfig (https, then plain http as
a last resort) and the ISPDB. The email address is never sent, over http or https: the
documents are per domain, and privacy argues for not telling a web server who is asking.
"""

from __future__ import annotations

import asyncio

from .clientconfig import ClientConfigError, parse_client_config
from .model import SourceKind, SourceStatus
from .source import SourceContext, SourceOutcome, config_outcome, first_in_order
from .webfetch import FetchError

__all__ = [
    "AUTOCONFIG_PATH",
    "WELL_KNOWN_PATH",
    "autoconfig_for",
    "autoconfig_source",
    "http_autoconfig_source",
    "ispdb_for",
    "ispdb_source",
    "parse_client_config",
]

AUTOCONFIG_PATH = "/mail/config-v1.1.xml"
WELL_KNOWN_PATH = "/.well-known/autoconfig/mail/config-v1.1.xml"


async def autoconfig_source(ctx: SourceContext) -> SourceOutcome:
    """https://autoconfig.DOMAIN/... and https://DOMAIN/.well-known/..., the first one wins."""
    return await autoconfig_for(ctx, ctx.domain, source=SourceKind.AUTOCONFIG, scheme="https")


async def http_autoconfig_source(ctx: SourceContext) -> SourceOutcome:
    """The same two documents over plain http, only once https has found nothing."""
    https = ctx.finished.get(SourceKind.AUTOCONFIG)
    if https is not None:
        before = await asyncio.shield(https)
        if before.status is SourceStatus.FOUND:
            return SourceOutcome(SourceStatus.SKIPPED, "not needed: found over https")
    limit = ctx.options.source_timeout(SourceKind.AUTOCONFIG_HTTP)
    try:
        async with asyncio.timeout(limit):
            return await autoconfig_for(
                ctx, ctx.domain, source=SourceKind.AUTOCONFIG_HTTP, scheme="http"
            )
    except TimeoutError:
        return SourceOutcome(SourceStatus.FAILED, f"no answer within {limit:g} s")


async def autoconfig_for(
    ctx: SourceContext, domain: str, *, source: SourceKind, scheme: str
) -> SourceOutcome:
    urls = [
        ctx.fetcher.url(scheme, f"autoconfig.{domain}", AUTOCONFIG_PATH),
        ctx.fetcher.url(scheme, domain, WELL_KNOWN_PATH),
    ]
    return await _first_document(ctx, urls, source=source)


async def ispdb_source(ctx: SourceContext) -> SourceOutcome:
    return await ispdb_for(ctx, ctx.domain, source=SourceKind.ISPDB)


async def ispdb_for(ctx: SourceContext, domain: str, *, source: SourceKind) -> SourceOutcome:
    url = ctx.options.ispdb_url.rstrip("/") + "/" + domain
    return await _first_document(ctx, [url], source=source)


async def _first_document(
    ctx: SourceContext, urls: list[str], *, source: SourceKind
) -> SourceOutcome:
    jobs = [_one_document(ctx, url, source=source) for url in urls]
    best, results = await first_in_order(jobs, lambda o: o.status is SourceStatus.FOUND)
    if best is not None:
        return best
    failed = any(o.status is SourceStatus.FAILED for o in results)
    return SourceOutcome(
        SourceStatus.FAILED if failed else SourceStatus.NOTHING,
        "; ".join(o.reason for o in results),
    )


async def _one_document(ctx: SourceContext, url: str, *, source: SourceKind) -> SourceOutcome:
    timeout = ctx.options.source_timeout(source)
    try:
        fetched = await ctx.fetcher.get_xml(url, timeout=timeout)
    except FetchError as exc:
        status = SourceStatus.NOTHING if exc.missing else SourceStatus.FAILED
        return SourceOutcome(status, exc.reason)
    except TimeoutError:
        return SourceOutcome(SourceStatus.FAILED, f"{url} did not answer within {timeout:g} s")
    try:
        config = parse_client_config(fetched.data, ctx.email)
    except ClientConfigError as exc:
        return SourceOutcome(SourceStatus.FAILED, f"{fetched.url}: {exc}")
    # Plain http anywhere on the way means anyone on the network could have written it.
    trusted = source.trusted and fetched.encrypted
    return config_outcome(
        config,
        where=fetched.url,
        email=ctx.email,
        domain=ctx.domain,
        source=source,
        trusted=trusted,
    )
