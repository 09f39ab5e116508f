"""'Try the alternatives for me': the seed's ports, probed in parallel, then one full check.

The probe (core.probe) sends no credentials while it looks, verifies certificates, tries a
port's other encryption when the first is wrong, and decides as soon as the best is certain.
Only the winner is then checked in full, sign-in included.
"""

from __future__ import annotations

from collections.abc import Callable

from ..core.check import CheckOptions, CheckResult, run_check
from ..core.probe import ProbeOptions, ProbeResult, probe_host
from ..core.settings import ALTERNATIVE_PORTS, Security, ServerSettings


async def try_alternatives(
    settings: ServerSettings,
    password: str | None,
    options: CheckOptions,
    progress: Callable[[object], None],
    ports: tuple[tuple[int, Security], ...] = ALTERNATIVE_PORTS,
) -> tuple[CheckResult | None, ProbeResult]:
    """The full check of the best working alternative (or None), and what the probe found."""
    probe_options = ProbeOptions(
        ports=ports,
        ca_file=options.ca_file,
        resolver=options.resolver,
        timeout=min(options.timeout, 15.0),
    )
    found = await probe_host(settings.host, options=probe_options)
    best = found.recommended
    if best is None:
        return None, found
    chosen = settings.with_changes(port=best.port, security=best.security.value)
    progress(("chosen", chosen))
    full = await run_check(
        chosen,
        password=password if chosen.username else None,
        options=options,
        progress=progress,
    )
    return full, found
