"""Each target's attempts: one port in one security mode at a time, connecting before all else.

A port that never connects (a firewall drops the SYN) or is refused costs its socket, a writer
callback and a timer: its connect is check.ConnectStep, driven by the loop's callbacks, not a
task. Only an open connection gets a task, for its whole check (run_check with the
connection). On loopback, where a search is CPU-bound, a task per port with its chain of
coroutines and timeout scopes cost about 0.25 ms for each firewalled port, and held back the
working port's check behind them (bench/probe.py, bench/search_cpu.py). How long a connect took
is the host's round trip, which tells a firewalled port of the same host from a slow one
(connects.py). The port's preferred mode is tried first; when the check says the port speaks
the other mode (wrong_security), that mode is tried next.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import AsyncIterator, Callable, Set
from dataclasses import replace
from socket import socket

from ..check import CheckOptions, CheckResult, Connection, ConnectStep, ProgressEvent, run_check
from ..net.resolve import ResolverConfig
from ..settings import Security, ServerSettings
from .connects import ConnectWatch
from .model import Attempt, PortReport, ProbeOptions, ProbeTarget
from .outcome import finished_report, other_mode
from .slots import ConversationSlots

__all__ = ["Attempts"]


class Attempts:
    """The attempts of every target of one ProbeRun (a target's id is its position in `targets`).

    `report(i)` and `set_report(i, report)` read and change a target's PortReport; `deadline()`
    is the run's overall deadline (time.monotonic()), `changed` hears of every change.
    """

    def __init__(
        self,
        options: ProbeOptions,
        targets: list[ProbeTarget],
        report: Callable[[int], PortReport],
        set_report: Callable[[int, PortReport], None],
        deadline: Callable[[], float],
        changed: Callable[[], None],
    ) -> None:
        self._options = options
        self._targets = targets
        self._report, self._set = report, set_report
        self._deadline, self._changed = deadline, changed
        self.connects = ConnectWatch()
        self._slots = ConversationSlots(options.concurrency)
        self.second_mode: list[bool] = []
        self._tried: list[list[Attempt]] = []
        self._started: list[asyncio.Event] = []
        self._gave_up: list[asyncio.Event] = []
        self._steps: dict[int, ConnectStep] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._stopping: set[asyncio.Task[None]] = set()  # stopped, not yet ended: aclose waits
        self._closing = False
        # Per host and its addresses from discovery: one for all its ports (a replace() each
        # cost more than the connect's own syscalls).
        self._resolvers: dict[tuple[str, tuple[str, ...]], ResolverConfig] = {}

    def add(self, target: ProbeTarget) -> None:
        """One more target (its id is the next one)."""
        self.second_mode.append(False)
        self._tried.append([])
        self._started.append(asyncio.Event())
        self._gave_up.append(asyncio.Event())
        self.connects.add(target.host)

    def launch(self, index: int) -> None:
        """Its first attempt: now, or after its turn (ProbeOptions.stagger)."""
        if index > 0 and self._options.stagger > 0:
            self._tasks[index] = asyncio.create_task(self._after_turn(index))
        else:
            self._begin(index, self._targets[index].security)

    def stop(self, index: int) -> None:
        """Stop its attempt, if one runs (no longer listed, or dropped before it started); its
        report is left as it is."""
        step = self._steps.pop(index, None)
        if step is not None:
            step.cancel()
        task = self._tasks.pop(index, None)
        if task is not None:
            task.cancel()
            self._stopping.add(task)
            task.add_done_callback(self._stopping.discard)
        self._ended(index)

    async def aclose(self) -> None:
        """Stop every attempt; returns once their connections are closed."""
        self._closing = True
        try:
            waiting: list[asyncio.Task[None]] = []
            for index, step in list(self._steps.items()):
                step.cancel()
                if step.task is not None:
                    waiting.append(step.task)
                self._ended(index)
            self._steps.clear()
            waiting += [*self._tasks.values(), *self._stopping]
            self._tasks.clear()
            for task in waiting:
                task.cancel()
            if waiting:
                await asyncio.gather(*waiting, return_exceptions=True)
        finally:
            self._closing = False

    # -- one attempt -------------------------------------------------------------------------

    def _begin(self, index: int, security: Security) -> None:
        remaining = self._deadline() - time.monotonic()
        if remaining <= 0 or self._closing:
            self._ended(index)  # the deadline handler reports it
            return
        target = self._targets[index]
        self._set(index, replace(self._report(index), probing=True, security=security))
        self._started[index].set()
        options = self._check_options(index, min(self._options.probe_timeout, remaining))
        settings = ServerSettings(host=target.host, port=target.port, security=security)

        def connecting(sockets: Set[socket]) -> None:
            self.connects.connecting(index, sockets)
            self._changed()  # when it may be presumed filtered has changed

        def done(outcome: Connection | CheckResult) -> None:
            self._steps.pop(index, None)
            if isinstance(outcome, CheckResult):
                self.connects.ended(index)
                self._done(index, outcome)
                return
            self.connects.ended(index, outcome.connect_time)
            talk = self._talk(index, settings, options, outcome)
            task = asyncio.create_task(talk, name=f"probe {target.host}:{target.port}")
            # Cancelled before its first step, the check never took the socket: close it here
            # (after a start, run_check has closed it, and closing again does nothing).
            task.add_done_callback(functools.partial(_close_if_cancelled, outcome.socket))
            self._tasks[index] = task

        step = ConnectStep(settings, options, done, connecting)
        self._steps[index] = step
        step.start()

    async def _talk(
        self, index: int, settings: ServerSettings, options: CheckOptions, connection: Connection
    ) -> None:
        host = settings.host

        def progress(event: ProgressEvent) -> None:
            self._slots.on_progress(index, event, self.connects.round_trip(host))

        try:
            result = await run_check(
                settings, options=options, progress=progress, connection=connection
            )
        except BaseException:
            self._ended(index)  # later targets never wait for this one
            raise
        self._tasks.pop(index, None)
        self._done(index, result)

    def _done(self, index: int, result: CheckResult) -> None:
        security = result.settings.security
        if not result.ok:
            self._gave_up[index].set()
        tried = self._tried[index]
        tried.append(Attempt(security, result.diagnosis.code, result.duration))
        other = other_mode(result, security, [a.security for a in tried])
        if other is None:
            self._set(index, finished_report(self._report(index), result, tried))
            self._ended(index)
            return
        self.second_mode[index] = True
        self._set(index, replace(self._report(index), probing=False, attempts=tuple(tried)))
        self._begin(index, other)

    def _ended(self, index: int) -> None:
        """Whatever ended it (also cancellation or the deadline): later targets never wait for
        it, and its connect no longer counts as pending."""
        self._started[index].set()
        self._gave_up[index].set()
        self.connects.ended(index)

    def _check_options(self, index: int, timeout: float) -> CheckOptions:
        target, options = self._targets[index], self._options
        resolver = options.resolver
        if target.addresses:  # discovery just looked them up: the check does not ask again
            key = (target.host, target.addresses)
            if key not in self._resolvers:
                known = {**resolver.known, target.host: target.addresses}
                self._resolvers[key] = replace(resolver, known=known)
            resolver = self._resolvers[key]
        return CheckOptions(
            timeout=timeout,
            ca_file=options.ca_file,
            resolver=resolver,
            limits=options.limits,
            admission=lambda: self._conversation_slot(index),
            progress_steps=False,  # the probe reads event.step alone
        )

    # -- waiting -----------------------------------------------------------------------------

    async def _after_turn(self, index: int) -> None:
        """Start after the previous target started, once it has failed or `stagger` passed.

        Like Happy Eyeballs (RFC 8305): a quick answer from a better port spares the others a
        connection (and the CPU of their TLS setup); a quick failure starts the next at once.
        """
        try:
            await self._started[index - 1].wait()  # the order added: a late one starts at once
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._options.stagger):
                    await self._gave_up[index - 1].wait()
        except BaseException:
            self._ended(index)
            raise
        self._tasks.pop(index, None)
        self._begin(index, self._targets[index].security)

    @contextlib.asynccontextmanager
    async def _conversation_slot(self, index: int) -> AsyncIterator[None]:
        """Connected: talk now, or "waiting its turn" until a conversation slot is free."""
        if self._slots.busy():
            self._set(index, replace(self._report(index), probing=False))
        await self._slots.acquire(index)
        try:
            if not self._report(index).probing:
                self._set(index, replace(self._report(index), probing=True))
            yield
        finally:
            self._slots.release(index)


def _close_if_cancelled(sock: socket, task: asyncio.Task[None]) -> None:
    if task.cancelled():
        sock.close()
