"""Probing: which ports of a server work, and in which security mode, all tried at once.

Each (host, port) is checked with the check engine WITHOUT a username, so an attempt is resolve,
connect, (TLS), greeting, EHLO, (STARTTLS, EHLO) and QUIT: a real, fully verified TLS handshake,
never any credentials. The port's preferred mode is tried first; when the check says the port
speaks the other mode (wrong_security), that mode is tried next.

Ranking is by position in ProbeOptions.ports (the seed's 587 STARTTLS, 465 SSL/TLS, 2525
STARTTLS, 25 STARTTLS), then any port working only in its other mode. The answer is decided as
soon as the best working option is certain: every option ranked above it has finished without
working, or is a connect the host's own round-trip time shows to be firewalled (connects.py).
Lower-ranked ports still running never delay it; they are reported as pending.
Every target connects at once (unless ProbeOptions.stagger asks otherwise): a SYN costs nothing,
a firewalled port must not delay the others. At most ProbeOptions.concurrency conversations run
at once; a connect that never completes never takes one of those slots, and a silent
conversation gives its slot up (slots.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from types import TracebackType

from .. import diagnosis as dx
from ..diagnosis import DiagnosisContext
from ..inputs import parse_port, refuse_control_characters
from ..settings import Security, ServerSettings
from .attempts import Attempts
from .model import (
    PortReport,
    PortStatus,
    ProbeOptions,
    ProbeResult,
    ProbeTarget,
    Recommendation,
)

__all__ = ["PortProgress", "ProbeRun", "ProbeTarget"]

log = logging.getLogger(__name__)
PortProgress = Callable[[PortReport], None]


def _key(target: ProbeTarget) -> tuple[str, int, Security]:
    return (target.host.casefold(), target.port, target.security)


class ProbeRun:
    """Probes run concurrently; decided() gives the early answer, finished() the full one.

    Use as an async context manager: leaving it stops whatever still runs and waits until every
    connection is closed. The progress callback gets a new PortReport on every change, also
    after decided() returned, for as long as the run is open (so a UI can keep updating).
    """

    def __init__(
        self,
        targets: Sequence[ProbeTarget],
        options: ProbeOptions | None = None,
        progress: PortProgress | None = None,
        *,
        host: str | None = None,
    ) -> None:
        self._options = options or ProbeOptions()
        self._progress = progress
        self._host = host
        # Per target ever added (its id is its position here, in the order added):
        self._targets: list[ProbeTarget] = []
        self._reports: list[PortReport] = []
        self._launched = 0  # targets whose first attempt has begun (or that were dropped)
        # The targets probed now, best first (ids); a target no longer listed is stopped.
        self._order: list[int] = []
        self._rank: dict[int, int] = {}
        self._changed = asyncio.Event()
        self._attempts = Attempts(
            self._options,
            self._targets,
            self._reports.__getitem__,
            self._set,
            lambda: self._deadline,
            self._changed.set,
        )
        self._connects = self._attempts.connects
        self._running = False
        self._start = time.monotonic()
        self._deadline = self._start + self._options.timeout
        self.retarget(targets)

    async def __aenter__(self) -> ProbeRun:
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def start(self) -> None:
        if self._running:
            return
        self._running = True
        self._start = time.monotonic()
        self._deadline = self._start + self._options.timeout
        # Created in ranking order, so equal events favour the best-ranked targets.
        for index in self._order:
            self._launch(index)

    def retarget(self, targets: Sequence[ProbeTarget]) -> None:
        """From now on probe these targets, in this order (best first).

        A target already listed (same host, port and first mode) keeps its attempt and its
        result, whatever its new rank; a new one starts at once if the run has started; one no
        longer listed is stopped and left out of the results. Discovery's candidates arrive
        source by source (search.py): the hosts known first are probed while better sources
        still run, and the answer is decided on the final order. The overall deadline counts
        from the latest retarget, as if the probe of these targets had started then.
        """
        if not targets:
            raise ValueError("nothing to probe")
        for target in targets:  # refused here, before any traffic, not when its turn comes
            refuse_control_characters(target.host, "server name", "host")
            parse_port(target.port)
        listed = {_key(self._targets[i]): i for i in self._order}
        chosen: dict[tuple[str, int, Security], int] = {}
        for target in targets:
            key = _key(target)
            if key in chosen:
                continue  # listed twice: the better-ranked place counts
            index = listed.pop(key, None)
            if index is None:
                index = self._add(target)
            else:
                self._targets[index] = target
            chosen[key] = index
        order = list(chosen.values())
        self._order = order
        self._rank = {index: rank for rank, index in enumerate(order)}
        for rank, index in enumerate(order):
            report, candidate = self._reports[index], self._targets[index].candidate
            if report.rank != rank or report.candidate != candidate:
                self._reports[index] = replace(report, rank=rank, candidate=candidate)
        for index in listed.values():  # no longer listed: stop it
            self._attempts.stop(index)
        if self._running:
            self._deadline = max(self._deadline, time.monotonic() + self._options.timeout)
            for index in order:
                self._launch(index)
        self._changed.set()

    def _add(self, target: ProbeTarget) -> int:
        index = len(self._targets)
        self._targets.append(target)
        self._reports.append(
            PortReport(target.host, target.port, target.security, index, candidate=target.candidate)
        )
        self._attempts.add(target)
        return index

    def _launch(self, index: int) -> None:
        """Start the targets up to this one that have not started yet (in the order added)."""
        while self._launched <= index:
            i = self._launched
            self._launched += 1
            if i in self._rank:  # not one dropped by retarget before it started
                self._attempts.launch(i)
            else:
                self._attempts.stop(i)

    def _live(self) -> list[PortReport]:
        return [self._reports[i] for i in self._order]

    async def decided(self) -> ProbeResult:
        """The answer as soon as it is certain (or at the overall deadline)."""
        await self._wait_until(self._is_decided)
        return self.snapshot()

    async def finished(self) -> ProbeResult:
        """The answer once every port has finished (or at the overall deadline)."""
        await self._wait_until(lambda now: all(r.finished for r in self._live()))
        return self.snapshot()

    def snapshot(self) -> ProbeResult:
        return ProbeResult(
            reports=tuple(self._live()),
            recommended=self._recommendation(),
            decided=self._is_decided(),
            elapsed=time.monotonic() - self._start,
            host=self._host,
        )

    async def aclose(self) -> None:
        """Stop every attempt still running; returns once their connections are closed."""
        await self._attempts.aclose()
        for index, report in enumerate(self._reports):
            if report.probing:
                self._set(index, replace(report, probing=False))

    # -- deciding ----------------------------------------------------------------------------

    def _effective_rank(self, report: PortReport) -> int:
        """Rank of a working report: its own, or after every preferred mode if in the other."""
        if report.security is report.preferred:
            return report.rank
        return len(self._order) + report.rank

    def _best_possible(self, index: int) -> float:
        report = self._reports[index]
        if report.finished:
            return self._effective_rank(report) if report.working else math.inf
        rank = self._rank[index]
        return len(self._order) + rank if self._attempts.second_mode[index] else rank

    def _is_decided(self, now: float | None = None) -> bool:
        live = self._live()
        best = min((self._effective_rank(r) for r in live if r.working), default=math.inf)
        open_ones = [i for i in self._order if not self._reports[i].finished]
        if best == math.inf:
            return not open_ones  # "nothing works" is never presumed
        if now is None:
            now = time.monotonic()
        return all(
            self._best_possible(i) > best or self._connects.presumed_filtered(i, now)
            for i in open_ones
        )

    def _recommendation(self) -> Recommendation | None:
        working = [r for r in self._live() if r.working]
        if not working:
            return None
        best = min(working, key=self._effective_rank)
        assert best.security is not None
        return Recommendation(best.host, best.port, best.security, best)

    async def _wait_until(self, predicate: Callable[[float], bool]) -> None:
        self.start()
        while True:
            self._changed.clear()
            now = time.monotonic()  # one reading for both: else a limit between is missed
            if predicate(now):
                return
            remaining = self._deadline - now
            running = any(r.probing for r in self._live() if not r.finished)
            if remaining <= -_GRACE or (remaining <= 0 and not running):
                await self._expire()
                return
            # Past the deadline a running check gets _GRACE to finish and say where it ran out.
            until = remaining if remaining > 0 else remaining + _GRACE
            presumed = self._connects.next_change(now)  # time alone may decide it then
            wait = until if presumed is None else min(until, presumed - now)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._changed.wait()

    async def _expire(self) -> None:
        """The overall deadline: stop what still runs and say it timed out."""
        await self.aclose()
        for index in self._order:
            report = self._reports[index]
            if not report.finished:
                settings = ServerSettings(
                    report.host, report.port, report.security or report.preferred
                )
                diagnosis = dx.make(
                    "timeout",
                    DiagnosisContext(settings),
                    explanation=(
                        "We stopped waiting for {host} on port {port}: the whole search has a "
                        f"time limit of {self._options.timeout:g} seconds."
                    ),
                    technical="overall probe time limit reached",
                )
                self._set(index, replace(report, status=PortStatus.FAILED, diagnosis=diagnosis))

    # -- probing -----------------------------------------------------------------------------

    def _set(self, index: int, report: PortReport) -> None:
        self._reports[index] = report
        self._changed.set()
        if self._progress is not None:
            try:
                self._progress(report)
            except Exception:  # a broken listener must not stop the probes
                log.exception("probe progress callback failed")


# Checks share the probe's deadline; at it, a running check gets this long to finish on its
# own, because it says where it ran out of time (a silent resolver is "offline", a silent
# port a timeout), which the probe's blanket "time limit reached" cannot.
_GRACE = 0.25
