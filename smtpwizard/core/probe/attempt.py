"""One attempt of a probe: one port in one security mode, connecting before anything else.

A port that never connects (a firewall drops the SYN) or is refused costs its socket; only an
open connection gets a whole check (check/connect.py). How long the connect took is the host's
round trip, which tells a firewalled port of the same host from a slow one (connects.py).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Set
from contextlib import AbstractAsyncContextManager
from dataclasses import replace

from ..check import CheckOptions, CheckResult, ProgressCallback, connect_for_check, run_check
from ..settings import Security, ServerSettings
from .connects import ConnectWatch
from .model import ProbeOptions

__all__ = ["attempt"]


async def attempt(
    host: str,
    port: int,
    security: Security,
    addresses: tuple[str, ...],
    options: ProbeOptions,
    timeout: float,
    *,
    admission: Callable[[], AbstractAsyncContextManager[object]],
    watch: tuple[ConnectWatch, int],
    changed: Callable[[], None],
    progress: ProgressCallback,
) -> CheckResult:
    """`addresses`: the host's, when discovery just looked them up. `watch`: the probe's
    ConnectWatch and this target's index in it; `changed` is called when a connect starts."""
    settings = ServerSettings(host=host, port=port, security=security)
    resolver = options.resolver
    if addresses:
        resolver = replace(resolver, known={**resolver.known, host: addresses})
    check_options = CheckOptions(
        timeout=timeout,
        ca_file=options.ca_file,
        resolver=resolver,
        limits=options.limits,
        admission=admission,
        progress_steps=False,  # the probe reads event.step alone
    )
    connects, index = watch

    def connecting(sockets: Set[socket.socket]) -> None:
        connects.connecting(index, sockets)
        changed()  # when it may be presumed filtered has changed

    try:
        connection = await connect_for_check(settings, check_options, connecting)
        if isinstance(connection, CheckResult):
            return connection
        connects.ended(index, connection.connect_time)
        return await run_check(
            settings, options=check_options, progress=progress, connection=connection
        )
    finally:
        connects.ended(index)
