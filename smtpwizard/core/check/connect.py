"""The check's first two steps, finding the server and connecting, before its session exists.

A probe tries many ports at once, and most of them never connect (a firewall drops the SYN) or
are refused. A whole check for each (its session, steps, TLS context, progress events, and the
unwinding when it is stopped) cost about twice the connect itself (bench/probe.py). The probe
therefore connects first (`connect_for_check`), and only a connection that opened gets its
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
from ..net.resolve import Resolution, ResolveError, resolve_host
from ..settings import ServerSettings
from .failures import StepFailure, classify_connect_error, resolve_failure, step_timeout
from .model import CheckOptions, CheckResult, ServerInfo, planned_steps
from .steps import StepName, StepResult, StepStatus
from .transcript import Transcript

__all__ = [
    "Connection",
    "connect_for_check",
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
    connecting: set[socket.socket] | None = None,
) -> tuple[socket.socket, str]:
    """The connect step's work; StepFailure with its diagnosis when no address connects.
    `connecting`: as open_tcp's."""
    sock, address, errors = await open_tcp(
        resolution.addresses, settings.port, connecting=connecting
    )
    if sock is None or address is None:
        raise StepFailure(StepName.CONNECT, classify_connect_error(errors, context))
    return sock, address


async def connect_for_check(
    settings: ServerSettings,
    options: CheckOptions,
    connecting: Callable[[Set[socket.socket]], None] | None = None,
) -> Connection | CheckResult:
    """Resolve and connect under the check's step limits and overall deadline.

    A Connection when the TCP connection opened; else the failed check's CheckResult. The
    `connecting` callback is called when the TCP connect starts, with the set of its sockets
    still connecting (kept up to date; for net.network.connects_pending). Cancelling closes every
    socket it opened. Raises InputError for unusable settings, before any traffic.
    """
    validate_for_wire(settings, options, None)
    began = time.monotonic()
    deadline = began + options.timeout
    limits = options.limits
    context = DiagnosisContext(settings)
    resolution: Resolution | None = None
    name, step_began = StepName.RESOLVE, began

    def limit(step_limit: float) -> float:  # as CheckSession.limit
        return max(0.05, min(step_limit, deadline - time.monotonic()))

    try:
        async with asyncio.timeout(limit(limits.resolve)):
            resolution = await find_addresses(settings, options, context, limit(limits.resolve))
        name, step_began = StepName.CONNECT, time.monotonic()
        in_flight: set[socket.socket] = set()
        if connecting is not None:
            connecting(in_flight)
        async with asyncio.timeout(limit(limits.connect)):
            sock, address = await open_connection(resolution, settings, context, in_flight)
    except TimeoutError:
        overall = deadline - time.monotonic() <= 0.05
        diagnosis = step_timeout(name, context, limits, overall)
        return _failed(settings, options, began, step_began, resolution, name, diagnosis)
    except StepFailure as failure:
        return _failed(settings, options, began, step_began, resolution, name, failure.diagnosis)
    now = time.monotonic()
    return Connection(sock, address, resolution, began, step_began - began, now - step_began)


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
