"""`check --report FILE`: the support-desk report of a check, with the server's ports and discovery.

After the check, the server's standard ports (and the one tested) are probed and, when the
username is an email address, discovery runs for its domain, both at once and within their own
deadlines, so the desk sees every port's result and what each source said. No password is sent
by either.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from ..core.check import CheckResult
from ..core.desk import DeskContact, build_report, write_report
from ..core.discovery import DiscoveryOptions, discover
from ..core.probe import ProbeOptions, ProbeResult, ServerSearch, probe_host
from ..core.settings import RECOMMENDED_PORTS, ResolverConfig, ServerSettings

DISCOVERY_TIMEOUT = 8.0
PROBE_TIMEOUT = 15.0


async def _extras(
    settings: ServerSettings,
    email: str | None,
    *,
    timeout: float,
    ca_file: str | None,
    resolver: ResolverConfig,
) -> tuple[ProbeResult, ServerSearch | None]:
    ports = tuple(p for p in RECOMMENDED_PORTS if p[0] != settings.port)
    probe_options = ProbeOptions(
        ports=((settings.port, settings.security), *ports),
        probe_timeout=min(8.0, timeout),
        timeout=min(PROBE_TIMEOUT, timeout),
        wait_all=True,
        ca_file=ca_file,
        resolver=resolver,
    )
    probing = probe_host(settings.host, options=probe_options)
    if email is None:
        return await probing, None
    options = DiscoveryOptions(
        dns_server=resolver.dns_server,
        resolve=resolver.overrides,
        ca_file=ca_file,
        timeout=min(DISCOVERY_TIMEOUT, timeout),
    )
    probed, found = await asyncio.gather(probing, discover(email, options=options))
    return probed, ServerSearch(found, None, None, found.elapsed)


def save_check_report(
    target: Path,
    result: CheckResult,
    *,
    email: str | None,
    password: str | None,
    timeout: float,
    ca_file: str | None,
    resolver: ResolverConfig,
    preset: DeskContact | None = None,
) -> tuple[Path, Path]:
    probe, search = asyncio.run(
        _extras(result.settings, email, timeout=timeout, ca_file=ca_file, resolver=resolver)
    )
    report = build_report(
        result,
        email=email,
        search=search,
        probe=probe,
        preset=preset,
        secrets=[password] if password else [],
    )
    paths = write_report(report, target)
    print(f"Report saved: {paths[0]} (and {paths[1].name})", file=sys.stderr)
    return paths
