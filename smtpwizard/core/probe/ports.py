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
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from types import TracebackType
from typing import TYPE_CHECKING

from .. import diagnosis as dx
from ..check import CheckOptions, CheckResult, ProgressEvent, run_check
from ..diagnosis import DiagnosisContext
from ..inputs import refuse_control_characters
from ..settings import Security, ServerSettings
from .connects import ConnectWatch
from .model import (
    Attempt,
    PortReport,
    PortStatus,
    ProbeOptions,
    ProbeResult,
    Recommendation,
)
from .outcome import finished_report, other_mode
from .slots import ConversationSlots

if TYPE_CHECKING:
    from ..discovery.model import Candidate

__all__ = ["ProbeRun", "ProbeTarget", "probe_candidates", "probe_host", "targets_for_candidates"]

log = logging.getLogger(__name__)
PortProgress = Callable[[PortReport], None]


@dataclass(frozen=True, slots=True)
class ProbeTarget:
    host: str
    port: int
    security: Security  # the mode to try first
    candidate: int | None = None  # index of the discovery candidate it stands for


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
        if not targets:
            raise ValueError("nothing to probe")
        for target in targets:
            refuse_control_characters(target.host, "server name", "host")
        self._targets = tuple(targets)
        self._options = options or ProbeOptions()
        self._progress = progress
        self._host = host
        self._reports = [
            PortReport(t.host, t.port, t.security, rank, candidate=t.candidate)
            for rank, t in enumerate(self._targets)
        ]
        self._second_mode = [False] * len(self._targets)
        self._started = [asyncio.Event() for _ in self._targets]
        self._gave_up = [asyncio.Event() for _ in self._targets]
        self._slots = ConversationSlots(self._options.concurrency)
        self._connects = ConnectWatch([t.host for t in self._targets])
        self._changed = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._start = time.monotonic()
        self._deadline = self._start + self._options.timeout

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
        if self._tasks:
            return
        self._start = time.monotonic()
        self._deadline = self._start + self._options.timeout
        # Created in ranking order, so equal events favour the best-ranked targets.
        self._tasks = [
            asyncio.create_task(self._probe(index), name=f"probe {t.host}:{t.port}")
            for index, t in enumerate(self._targets)
        ]

    async def decided(self) -> ProbeResult:
        """The answer as soon as it is certain (or at the overall deadline)."""
        await self._wait_until(self._is_decided)
        return self.snapshot()

    async def finished(self) -> ProbeResult:
        """The answer once every port has finished (or at the overall deadline)."""
        await self._wait_until(lambda: all(r.finished for r in self._reports))
        return self.snapshot()

    def snapshot(self) -> ProbeResult:
        return ProbeResult(
            reports=tuple(self._reports),
            recommended=self._recommendation(),
            decided=self._is_decided(),
            elapsed=time.monotonic() - self._start,
            host=self._host,
        )

    async def aclose(self) -> None:
        """Stop every attempt still running; returns once their connections are closed."""
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for index, report in enumerate(self._reports):
            if report.probing:
                self._set(index, replace(report, probing=False))

    # -- deciding ----------------------------------------------------------------------------

    def _effective_rank(self, report: PortReport) -> int:
        """Rank of a working report: its own, or after every preferred mode if in the other."""
        if report.security is report.preferred:
            return report.rank
        return len(self._reports) + report.rank

    def _best_possible(self, index: int) -> float:
        report = self._reports[index]
        if report.finished:
            return self._effective_rank(report) if report.working else math.inf
        return len(self._reports) + index if self._second_mode[index] else index

    def _is_decided(self) -> bool:
        best = min((self._effective_rank(r) for r in self._reports if r.working), default=math.inf)
        open_ones = [i for i, r in enumerate(self._reports) if not r.finished]
        if best == math.inf:
            return not open_ones  # "nothing works" is never presumed
        now = time.monotonic()
        return all(
            self._best_possible(i) > best or self._connects.presumed_filtered(i, now)
            for i in open_ones
        )

    def _recommendation(self) -> Recommendation | None:
        working = [r for r in self._reports if r.working]
        if not working:
            return None
        best = min(working, key=self._effective_rank)
        assert best.security is not None
        return Recommendation(best.host, best.port, best.security, best)

    async def _wait_until(self, predicate: Callable[[], bool]) -> None:
        self.start()
        while True:
            self._changed.clear()
            if predicate():
                return
            now = time.monotonic()
            remaining = self._deadline - now
            running = any(r.probing for r in self._reports if not r.finished)
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
        for index, report in enumerate(self._reports):
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

    async def _turn(self, index: int) -> None:
        """Start after the previous target started, once it has failed or `stagger` passed.

        Like Happy Eyeballs (RFC 8305): a quick answer from a better port spares the others a
        connection (and the CPU of their TLS setup); a quick failure starts the next at once.
        """
        if index == 0:
            return
        await self._started[index - 1].wait()
        if self._options.stagger > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._options.stagger):
                    await self._gave_up[index - 1].wait()

    async def _probe(self, index: int) -> None:
        try:
            await self._turn(index)
            await self._attempts(index)
        finally:
            # Also on cancellation or the deadline, so later targets never wait for this one.
            self._started[index].set()
            self._gave_up[index].set()
            self._connects.ended(index)

    async def _attempts(self, index: int) -> None:
        target = self._targets[index]
        security = target.security
        attempts: list[Attempt] = []
        while True:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                return  # the deadline handler reports it
            report = self._reports[index]
            self._set(index, replace(report, probing=True, security=security))
            self._started[index].set()
            result = await self._attempt(index, security, remaining)
            if not result.ok:
                self._gave_up[index].set()
            attempts.append(Attempt(security, result.diagnosis.code, result.duration))
            other = other_mode(result, security, [a.security for a in attempts])
            if other is None:
                self._set(index, finished_report(self._reports[index], result, attempts))
                return
            security = other
            self._second_mode[index] = True
            self._set(index, replace(self._reports[index], probing=False, attempts=tuple(attempts)))

    @contextlib.asynccontextmanager
    async def _conversation_slot(self, index: int) -> AsyncIterator[None]:
        """Connected: talk now, or "waiting its turn" until a conversation slot is free."""
        if self._slots.busy():
            self._set(index, replace(self._reports[index], probing=False))
        await self._slots.acquire(index)
        try:
            if not self._reports[index].probing:
                self._set(index, replace(self._reports[index], probing=True))
            yield
        finally:
            self._slots.release(index)

    async def _attempt(self, index: int, security: Security, remaining: float) -> CheckResult:
        target = self._targets[index]
        settings = ServerSettings(host=target.host, port=target.port, security=security)
        options = CheckOptions(
            timeout=min(self._options.probe_timeout, remaining),
            ca_file=self._options.ca_file,
            resolver=self._options.resolver,
            limits=self._options.limits,
            admission=lambda: self._conversation_slot(index),
        )

        def progress(event: ProgressEvent) -> None:
            self._connects.on_progress(index, event)
            self._slots.on_progress(index, event, self._connects.round_trip(target.host))

        try:
            return await run_check(settings, options=options, progress=progress)
        finally:
            self._connects.ended(index)


# Checks share the probe's deadline; at it, a running check gets this long to finish on its
# own, because it says where it ran out of time (a silent resolver is "offline", a silent
# port a timeout), which the probe's blanket "time limit reached" cannot.
_GRACE = 0.25


# -- entry points ----------------------------------------------------------------------------


async def probe_host(
    host: str,
    *,
    options: ProbeOptions | None = None,
    progress: PortProgress | None = None,
) -> ProbeResult:
    """Probe options.ports of one host. Returns at the early decision unless options.wait_all.

    Attempts still running at that point are stopped (their reports stay "pending"); use
    ProbeRun directly to keep them running and keep receiving progress.
    """
    options = options or ProbeOptions()
    targets = [ProbeTarget(host, port, security) for port, security in options.ports]
    async with ProbeRun(targets, options, progress, host=host) as run:
        return await (run.finished() if options.wait_all else run.decided())


def targets_for_candidates(
    candidates: Sequence[Candidate], options: ProbeOptions
) -> list[ProbeTarget]:
    """What to probe for discovery's candidates, best first.

    First every candidate's stated port (trusted sources come first in discovery's order), then
    the standard ports of every candidate host that were not stated, host by host.
    """
    targets: list[ProbeTarget] = []
    seen: set[tuple[str, int]] = set()

    def add(host: str, port: int, security: Security, index: int) -> None:
        key = (host.casefold(), port)
        if key not in seen:
            seen.add(key)
            targets.append(ProbeTarget(host, port, security, index))

    for index, candidate in enumerate(candidates):
        if candidate.port is not None:
            security = candidate.security or _default_security(candidate.port, options)
            add(candidate.host, candidate.port, security, index)
    for index, candidate in enumerate(candidates):
        for port, security in options.ports:
            add(candidate.host, port, security, index)
    return targets


def _default_security(port: int, options: ProbeOptions) -> Security:
    for known, security in options.ports:
        if known == port:
            return security
    return Security.TLS if port == 465 else Security.STARTTLS


async def probe_candidates(
    candidates: Sequence[Candidate],
    *,
    options: ProbeOptions | None = None,
    progress: PortProgress | None = None,
) -> ProbeResult:
    """Probe discovery's candidates; the recommendation carries the candidate it came from."""
    options = options or ProbeOptions()
    targets = targets_for_candidates(candidates, options)
    async with ProbeRun(targets, options, progress) as run:
        result = await (run.finished() if options.wait_all else run.decided())
    return with_candidates(result, candidates)


def with_candidates(result: ProbeResult, candidates: Sequence[Candidate]) -> ProbeResult:
    best = result.recommended
    if best is None or best.report.candidate is None:
        return result
    return replace(result, recommended=replace(best, candidate=candidates[best.report.candidate]))
