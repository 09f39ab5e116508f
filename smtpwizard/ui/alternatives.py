"""'Try the alternatives for me': the seed's ports, tested in parallel, best first.

Each alternative is first tried without credentials (nothing secret is sent while we look);
the best one that works is then checked in full, sign-in included.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ..core.check import CheckOptions, CheckResult, run_check
from ..core.settings import ALTERNATIVE_PORTS, Security, ServerSettings


async def try_alternatives(
    settings: ServerSettings,
    password: str | None,
    options: CheckOptions,
    progress: Callable[[object], None],
    ports: tuple[tuple[int, Security], ...] = ALTERNATIVE_PORTS,
) -> tuple[CheckResult | None, list[tuple[ServerSettings, CheckResult]]]:
    """Returns the full check of the best working alternative (or None) and every trial."""
    trials = [
        settings.with_changes(port=port, security=security.value, username=None)
        for port, security in ports
    ]
    quick = CheckOptions(
        timeout=min(options.timeout, 12.0), ca_file=options.ca_file, resolver=options.resolver
    )
    results = await asyncio.gather(*(run_check(trial, options=quick) for trial in trials))
    tried = list(zip(trials, results, strict=True))
    for trial, result in tried:
        progress(("tried", trial, result))
    for trial, result in tried:
        if result.ok:
            chosen = trial.with_changes(username=settings.username)
            progress(("chosen", chosen, result))
            full = await run_check(
                chosen,
                password=password if chosen.username else None,
                options=options,
                progress=progress,
            )
            return full, tried
    return None, tried
