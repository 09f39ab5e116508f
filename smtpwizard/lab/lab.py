"""Lab: real SMTP servers on loopback, all on one background thread with its own asyncio loop."""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable, Coroutine, Mapping
from concurrent.futures import Future
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from smtpwizard.core.settings import Security

from .certs import LabCertificates, ServerCert
from .records import AuthAttempt, EndpointState, ReceivedMessage
from .scenarios import DEMO_SCENARIOS, Credentials, Scenario
from .smtp_server import LabSMTP

T = TypeVar("T")
DEFAULT_USERNAME = "anna@lab.test"
_CALL_TIMEOUT = 10.0
MAX_LINE = 4096  # the longest line a raw server reads at once
_STOP_GRACE = 1.0


class LabEndpoint:
    """One running scenario. Snapshots are safe to read from any thread, also after stop()."""

    def __init__(
        self,
        lab: Lab,
        scenario: str,
        host: str,
        port: int,
        spec: Scenario,
        cert: ServerCert | None,
        creds: Credentials,
        state: EndpointState,
    ) -> None:
        self._lab = lab
        self.scenario = scenario
        self.description = spec.description
        self.host = host
        self.port = port
        self.security: Security = spec.security
        self.tls_name: str | None = cert.tls_name if cert else None
        self.fingerprint: str | None = cert.fingerprint if cert else None
        self.username: str | None = creds.username if spec.credentials_work else None
        self.password: str | None = creds.password if spec.credentials_work else None
        self.server: asyncio.Server | None = None  # owned by the lab loop
        self._state = state
        self.stopped = False

    def __repr__(self) -> str:
        return f"<LabEndpoint {self.scenario} {self.host}:{self.port}>"

    @property
    def auth_attempts(self) -> list[AuthAttempt]:
        return self._state.auth_attempts

    @property
    def messages(self) -> list[ReceivedMessage]:
        return self._state.messages

    @property
    def connections(self) -> int:
        return self._state.connections

    @property
    def active_connections(self) -> int:
        return self._state.active_connections

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """True once every accepted connection was handled to its end (wait before asserting)."""
        return self._state.wait_idle(timeout)

    def wait_connections(self, count: int, timeout: float = 5.0) -> bool:
        return self._state.wait_connections(count, timeout)

    def wait_messages(self, count: int, timeout: float = 5.0) -> bool:
        return self._state.wait_messages(count, timeout)

    def wait_auth_attempts(self, count: int, timeout: float = 5.0) -> bool:
        return self._state.wait_auth_attempts(count, timeout)

    def stop(self) -> None:
        self._lab._stop_endpoint(self)


class Lab:
    """A set of lab servers sharing one CA, one credential pair and one event-loop thread."""

    def __init__(
        self,
        workdir: Path | None = None,
        *,
        username: str = DEFAULT_USERNAME,
        password: str | None = None,
        persistent_certs: bool = False,
        on_message: Callable[[LabEndpoint, ReceivedMessage], None] | None = None,
        scenarios: Mapping[str, Scenario] = DEMO_SCENARIOS,
    ) -> None:
        self.scenarios = scenarios
        self._own_workdir = workdir is None
        self.workdir = (
            Path(tempfile.mkdtemp(prefix="smtpwizard-lab-")) if workdir is None else workdir
        )
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.username = username
        self.password = password if password is not None else secrets.token_urlsafe(12)
        self._creds = Credentials(self.username, self.password)
        self._on_message = on_message
        self._endpoints: list[LabEndpoint] = []
        self._closed = False
        self._lock = threading.Lock()
        self.certs = LabCertificates(self.workdir, persistent=persistent_certs)
        # Anything the loop reports (callbacks that raised, tasks destroyed while pending)
        # is kept here too, so tests can assert the lab ran clean.
        self.loop_errors: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(self._on_loop_error)
        self._thread = threading.Thread(target=self._run_loop, name="smtpwizard-lab", daemon=True)
        self._thread.start()

    @property
    def ca_file(self) -> Path:
        return self.certs.ca_file

    @property
    def endpoints(self) -> list[LabEndpoint]:
        return list(self._endpoints)

    def __enter__(self) -> Lab:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _on_loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        self.loop_errors.append(f"{context.get('message')}: {context.get('exception')!r}")
        loop.default_exception_handler(context)

    def _run_loop(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    def _call(self, coro: Coroutine[Any, Any, T], timeout: float = _CALL_TIMEOUT) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout)

    # ---- starting ----
    def start(self, scenario: str, host: str = "127.0.0.1", port: int | None = None) -> LabEndpoint:
        """Start one scenario; returns once it accepts connections ('closed': once nothing does)."""
        spec = self.scenarios.get(scenario)
        if spec is None:
            known = ", ".join(self.scenarios)
            raise ValueError(f"unknown lab scenario {scenario!r}; known: {known}")
        _require_loopback_v4(host)
        if threading.current_thread() is self._thread:
            raise RuntimeError("Lab.start() blocks: call it from another thread than the lab's")
        with self._lock:  # also serialises the certificate cache and a concurrent close()
            if self._closed:
                raise RuntimeError("this Lab is closed")
            cert = self.certs.server_cert(spec.cert, host) if spec.cert else None
            state = EndpointState()
            ep = LabEndpoint(self, scenario, host, 0, spec, cert, self._creds, state)
            callback = self._on_message
            if callback is not None:
                state.on_message = lambda message: callback(ep, message)
            # A closed port's number is free again at once: a later server on this address
            # must not be given it, nor a later closed port (the tests probe them side by side).
            taken = {e.port for e in self._endpoints if e.host == host}
            if spec.closed:
                ep.port = port if port is not None else _reserve_closed_port(host, taken)
                ep.stopped = True
            else:
                for _ in range(_PORT_TRIES):
                    ep.server = self._call(self._serve(spec, cert, state, host, port or 0))
                    ep.port = ep.server.sockets[0].getsockname()[1]
                    if port or ep.port not in taken:
                        break
                    self._call(_close_server(ep.server))
            self._endpoints.append(ep)
        return ep

    async def _serve(
        self,
        spec: Scenario,
        cert: ServerCert | None,
        state: EndpointState,
        host: str,
        port: int,
    ) -> asyncio.Server:
        loop = asyncio.get_running_loop()
        factory: Callable[[], asyncio.BaseProtocol]
        if spec.raw is not None:
            factory = _raw_factory(spec.raw, state, loop)
        else:
            assert spec.smtp is not None
            behaviour = spec.smtp(self._creds)
            tls = cert.context if cert else None
            if behaviour.implicit_tls:
                assert tls is not None

                def factory() -> asyncio.BaseProtocol:
                    state.count_connection()
                    return _ImplicitTLSAcceptor(LabSMTP(state, behaviour, None, loop), tls, state)
            else:

                def factory() -> asyncio.BaseProtocol:
                    state.count_connection()
                    return _TrackedLabSMTP(state, behaviour, tls, loop)

        # Started here so start() returns only once the socket is accepting.
        return await loop.create_server(factory, host, port, reuse_address=True, start_serving=True)

    # ---- stopping ----
    def _stop_endpoint(self, ep: LabEndpoint) -> None:
        if ep.stopped:
            return
        if threading.current_thread() is self._thread:
            raise RuntimeError("LabEndpoint.stop() blocks: call it from another thread")
        ep.stopped = True
        if self._loop.is_closed():
            return
        self._call(_shutdown_server(ep))

    def close(self) -> None:
        """Stop every server, close every socket, end the loop thread; idempotent."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("Lab.close() blocks: call it from another thread than the lab's")
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            for ep in self._endpoints:
                self._stop_endpoint(ep)
            self._call(_cancel_leftovers())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(_CALL_TIMEOUT)
            if not self._thread.is_alive():
                self._loop.close()
            if self._own_workdir:
                shutil.rmtree(self.workdir, ignore_errors=True)


class _TrackedLabSMTP(LabSMTP):
    """LabSMTP accepted in plaintext (STARTTLS may follow): tracks the TCP transport and task."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        first = self.transport is None
        super().connection_made(transport)
        if first and self._handler_coroutine is not None:
            self.lab_state.track(self._handler_coroutine, transport)


class _ImplicitTLSAcceptor(asyncio.Protocol):
    """Owns an implicit-TLS connection's TCP transport so stop() can abort it mid-handshake too."""

    def __init__(self, smtp: LabSMTP, tls: Any, state: EndpointState) -> None:
        self._smtp = smtp
        self._tls = tls
        self._state = state
        self._task: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.pause_reading()  # the ClientHello must wait for start_tls below
        self._task = asyncio.get_running_loop().create_task(self._run(transport))
        self._state.track(self._task, transport)

    async def _run(self, transport: asyncio.Transport) -> None:
        loop = asyncio.get_running_loop()
        tls_transport = await loop.start_tls(
            transport, self._smtp, self._tls, server_side=True, ssl_handshake_timeout=30
        )
        assert tls_transport is not None
        self._smtp.connection_made(tls_transport)
        handler = self._smtp._handler_coroutine
        if handler is not None:
            await asyncio.wait([handler])

    def connection_lost(self, exc: Exception | None) -> None:
        # Only reached when the client left before start_tls took the transport over.
        if self._task is not None:
            self._task.cancel()


def _raw_factory(
    handler: Callable[..., Coroutine[Any, Any, None]],
    state: EndpointState,
    loop: asyncio.AbstractEventLoop,
) -> Callable[[], asyncio.BaseProtocol]:
    def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def run() -> None:
            try:
                await handler(reader, writer, state)
            finally:
                writer.close()

        state.track(loop.create_task(run()), writer.transport)

    def factory() -> asyncio.BaseProtocol:
        state.count_connection()
        reader = asyncio.StreamReader(limit=MAX_LINE, loop=loop)
        return asyncio.StreamReaderProtocol(reader, connected, loop=loop)

    return factory


async def _shutdown_server(ep: LabEndpoint) -> None:
    if ep.server is not None:
        ep.server.close()
    state = ep._state
    for transport in list(state.transports):
        transport.abort()  # type: ignore[attr-defined]  # a no-op on one already closed
    # Cancel rather than wait: a hostile handler may be asleep in its own pacing.
    tasks = list(state.tasks)
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=_STOP_GRACE)
    await asyncio.sleep(0)  # one loop turn: the aborted sockets close in call_soon callbacks
    if ep.server is not None:
        await ep.server.wait_closed()


async def _cancel_leftovers() -> None:
    current = asyncio.current_task()
    leftovers = [t for t in asyncio.all_tasks() if t is not current]
    for task in leftovers:
        task.cancel()
    if leftovers:
        await asyncio.gather(*leftovers, return_exceptions=True)
    await asyncio.get_running_loop().shutdown_asyncgens()


def _require_loopback_v4(host: str) -> None:
    try:
        ok = ipaddress.IPv4Address(host).is_loopback
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"lab servers bind only to 127.0.0.0/8 addresses, not {host!r}")


def _reserve_closed_port(host: str, taken: set[int]) -> int:
    """A port nothing listens on: bound for a moment to learn a free number, then released."""
    for _ in range(_PORT_TRIES):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            port: int = sock.getsockname()[1]
        if port not in taken:
            break
    return port


async def _close_server(server: asyncio.Server) -> None:
    server.close()
    await server.wait_closed()


_PORT_TRIES = 20  # the kernel hands out a number just released only now and then
