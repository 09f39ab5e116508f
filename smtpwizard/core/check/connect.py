"""The check's first two steps, finding the server and connecting, before its session exists.

A probe tries many ports at once, and most of them never connect (a firewall drops the SYN) or
are refused. A whole check for each (its session, steps, TLS context, progress events, and the
unwinding when it is stopped) cost about twice the connect itself (bench/probe.py). The probe
therefore connects first (`ConnectStep`), and only a connection that opened gets its
check (`run_check(connection=...)`). A port that did not open gets the same CheckResult the
whole check would have given: the same diagnosis from the same functions, the same steps.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Set
from dataclasses import dataclass

from ..diagnosis import Diagnosis, DiagnosisContext
from ..errors import InputError
from ..inputs import parse_email, refuse_control_characters
from ..net.network import open_tcp
from ..net.race import ConnectRace, RaceOutcome
from ..net.resolve import Resolution, ResolveError, known_resolution, resolve_host
from ..settings import ServerSettings
from .failures import StepFailure, classify_connect_error, resolve_failure, step_timeout
from .model import CheckOptions, CheckResult, ServerInfo, planned_steps
from .steps import StepName, StepResult, StepStatus
from .transcript import Transcript

__all__ = [
    "ConnectStep",
    "Connection",
    "connected_detail",
    "connected_steps",
    "find_addresses",
    "open_connection",
    "validate_for_wire",
]


@dataclass(frozen=True, slots=True)
class Connection:
    """An open TCP connection to settings' server, and how it was reached. The check it is
    given to owns the socket (and closes it)."""

    socket: socket.socket
    address: str
    resolution: Resolution
    began: float  # time.monotonic() when finding the server began: the check's own start
    resolve_time: float
    connect_time: float


def validate_for_wire(
    settings: ServerSettings, options: CheckOptions, password: str | None
) -> None:
    """Refuse, before any traffic, values that could inject SMTP commands."""
    refuse_control_characters(settings.host, "server name", "host")
    if settings.username is not None:
        refuse_control_characters(settings.username, "username", "username")
    if password is not None and "\x00" in password:
        raise InputError("The password contains a NUL character, which cannot be sent.", "password")
    if options.send_to is not None:
        parse_email(options.send_to, "send_to")
    if options.mail_from is not None:
        parse_email(options.mail_from, "mail_from")
    if not 1 <= settings.port <= 65535:
        raise InputError(f"The port must be between 1 and 65535, not {settings.port}.", "port")


async def find_addresses(
    settings: ServerSettings, options: CheckOptions, context: DiagnosisContext, limit: float
) -> Resolution:
    """The resolve step's work; StepFailure with its diagnosis when the name is not found."""
    try:
        return await resolve_host(settings.host, settings.port, options.resolver, limit)
    except ResolveError as exc:
        raise StepFailure(StepName.RESOLVE, resolve_failure(exc, context)) from exc


async def open_connection(
    resolution: Resolution,
    settings: ServerSettings,
    context: DiagnosisContext,
) -> tuple[socket.socket, str]:
    """The connect step's work; StepFailure with its diagnosis when no address connects."""
    sock, address, errors = await open_tcp(resolution.addresses, settings.port)
    if sock is None or address is None:
        raise StepFailure(StepName.CONNECT, classify_connect_error(errors, context))
    return sock, address


class ConnectStep:
    """The check's first two steps for the probe: find the server, connect; no task for them
    unless a DNS server must be asked.

    start() begins; on_done(outcome) is called once: a Connection when the TCP connection
    opened (the receiver owns its socket), else the failed check's CheckResult. It may be
    called from start() itself, when the addresses are known and the kernel ended the connect
    at once. The steps keep the check's limits and overall deadline (options.timeout).
    on_connecting(sockets) is called when the connect starts, with the set of its sockets still
    connecting, kept up to date (for net.race.connects_pending). cancel() stops it, closing
    every socket, and nothing is called after it. Raises InputError for unusable settings,
    before any traffic.
    """

    def __init__(
        self,
        settings: ServerSettings,
        options: CheckOptions,
        on_done: Callable[[Connection | CheckResult], None],
        on_connecting: Callable[[Set[socket.socket]], None] | None = None,
    ) -> None:
        validate_for_wire(settings, options, None)
        self._settings, self._options = settings, options
        self._on_done, self._on_connecting = on_done, on_connecting
        self._context = DiagnosisContext(settings)
        self.began = time.monotonic()
        self._deadline = self.began + options.timeout
        self._step_began = self.began
        self._resolution: Resolution | None = None
        self.task: asyncio.Task[None] | None = None  # the lookup, when one is needed
        self._race: ConnectRace | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._over = False

    def start(self) -> None:
        known = known_resolution(self._settings.host, self._options.resolver)
        if known is not None:
            self._connect(known)
        else:
            self.task = asyncio.create_task(self._resolve(), name="resolve for the check")

    def cancel(self) -> None:
        self._over = True
        if self.task is not None:
            self.task.cancel()
        if self._timer is not None:
            self._timer.cancel()
        if self._race is not None:
            self._race.cancel()

    def _limit(self, step_limit: float) -> float:  # as CheckSession.limit
        return max(0.05, min(step_limit, self._deadline - time.monotonic()))

    async def _resolve(self) -> None:
        limits = self._options.limits
        try:
            async with asyncio.timeout(self._limit(limits.resolve)):
                resolution = await find_addresses(
                    self._settings, self._options, self._context, self._limit(limits.resolve)
                )
        except TimeoutError:
            self._failed(step_timeout(StepName.RESOLVE, self._context, limits, self._overall()))
            return
        except StepFailure as failure:
            self._failed(failure.diagnosis)
            return
        if not self._over:
            self._connect(resolution)

    def _connect(self, resolution: Resolution) -> None:
        self._resolution = resolution
        self._step_began = time.monotonic()
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._limit(self._options.limits.connect), self._timed_out)
        self._race = ConnectRace(resolution.addresses, self._settings.port, self._raced)
        if self._on_connecting is not None:
            self._on_connecting(self._race.connecting)
        self._race.start()

    def _raced(self, outcome: RaceOutcome) -> None:
        sock, address, errors = outcome
        if sock is None or address is None:
            self._failed(classify_connect_error(errors, self._context))
            return
        assert self._resolution is not None
        now, began, step_began = time.monotonic(), self.began, self._step_began
        self._finish(
            Connection(sock, address, self._resolution, began, step_began - began, now - step_began)
        )

    def _timed_out(self) -> None:
        assert self._race is not None
        self._race.cancel()
        limits = self._options.limits
        self._failed(step_timeout(StepName.CONNECT, self._context, limits, self._overall()))

    def _overall(self) -> bool:
        return self._deadline - time.monotonic() <= 0.05

    def _failed(self, diagnosis: Diagnosis) -> None:
        name = StepName.RESOLVE if self._resolution is None else StepName.CONNECT
        options, began = self._options, self.began
        step_began, resolution = self._step_began, self._resolution
        self._finish(
            _failed(self._settings, options, began, step_began, resolution, name, diagnosis)
        )

    def _finish(self, outcome: Connection | CheckResult) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._over:
            if isinstance(outcome, Connection):
                outcome.socket.close()
            return
        self._over = True
        self._on_done(outcome)


def connected_steps(
    settings: ServerSettings, connection: Connection
) -> tuple[StepResult, StepResult]:
    """The resolve and connect steps of a check given an open connection."""
    how = connection.resolution.how
    return (
        StepResult(StepName.RESOLVE, StepStatus.OK, connection.resolve_time, how),
        StepResult(
            StepName.CONNECT,
            StepStatus.OK,
            connection.connect_time,
            connected_detail(connection.address, settings.port),
        ),
    )


def connected_detail(address: str, port: int) -> str:
    """The connect step's detail once it connected."""
    return f"connected to {address} port {port}"


def _failed(
    settings: ServerSettings,
    options: CheckOptions,
    began: float,
    step_began: float,
    resolved: Resolution | None,
    name: StepName,
    diagnosis: Diagnosis,
) -> CheckResult:
    """What run_check returns for a check stopped at this step (run.py's _execute)."""
    now = time.monotonic()
    names = planned_steps(settings, with_auth=bool(settings.username), send=bool(options.send_to))
    steps = [StepResult(step, StepStatus.SKIPPED) for step in names]
    if resolved is not None:
        steps[0] = StepResult(StepName.RESOLVE, StepStatus.OK, step_began - began, resolved.how)
    steps[names.index(name)] = StepResult(name, StepStatus.FAILED, now - step_began, "failed")
    transcript = Transcript()
    transcript.note(f"stopped: {diagnosis.code} ({diagnosis.technical})")
    return CheckResult(
        settings=settings,
        steps=steps,
        diagnosis=diagnosis,
        server=ServerInfo(),
        tls=None,
        transcript=transcript.lines,
        duration=now - began,
    )
