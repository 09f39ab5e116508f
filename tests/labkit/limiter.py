"""A connection limit in front of a lab server, as Postfix's anvil enforces one.

Postfix (smtpd_client_connection_count_limit, via anvil) and Exim (smtp_accept_max_per_host)
turn a client's connection over the limit away at once with a 421 greeting; the reply here is
Postfix 3.7's text (../shared/reference/real-world.md). Under the limit, bytes are relayed both
ways unchanged, so STARTTLS and SSL/TLS reach the lab server as they are. `delay` holds each
accepted connection that long before relaying (a slow server, for tests that must interrupt);
`latency` delays every chunk relayed, each way, by half of it (a simulated round trip, for
bench/batch.py: on bare loopback a check is all CPU and no waiting).
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import threading
from concurrent.futures import Future


class ConnectionLimit:
    def __init__(
        self,
        target: tuple[str, int],
        limit: int,
        *,
        host: str = "127.0.16.1",
        delay: float = 0.0,
        latency: float = 0.0,
    ) -> None:
        self.target, self.limit, self.delay, self.latency = target, limit, delay, latency
        self.active = self.peak = self.accepted = self.refused = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        ready: Future[asyncio.Server] = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, host, 0), self._loop
        )
        self._server = ready.result(10)
        self.host, self.port = self._server.sockets[0].getsockname()[:2]
        self._tasks: set[asyncio.Task[None]] = set()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")[0]
        if self.active >= self.limit:
            self.refused += 1
            writer.write(
                f"421 4.7.0 {self.host} Error: too many connections from {peer}\r\n".encode()
            )
            with contextlib.suppress(OSError):
                await writer.drain()
            writer.close()
            return
        self.active += 1
        self.accepted += 1
        self.peak = max(self.peak, self.active)
        try:
            if self.delay or self.latency:
                await asyncio.sleep(self.delay + self.latency)
            up_reader, up_writer = await asyncio.open_connection(*self.target)
            half = self.latency / 2
            await asyncio.gather(_pipe(reader, up_writer, half), _pipe(up_reader, writer, half))
        except OSError:
            pass
        finally:
            self.active -= 1
            writer.close()

    def settle(self, timeout: float = 30) -> None:
        """Return once no connection is waiting to be accepted, being accepted or being relayed.

        After its client process was killed, the connections it left in the listen queue are
        still accepted (and counted) later; a count read before they are would be short.
        asyncio accepts in a task that lives until the handler's task exists, so "no task and an
        empty listen queue", seen in one step of the loop, means nothing is still on its way.
        """

        async def idle() -> None:
            current, deadline = asyncio.current_task(), self._loop.time() + timeout
            while (
                any(t is not current for t in asyncio.all_tasks())
                or select.select(self._server.sockets, [], [], 0)[0]
            ):
                if self._loop.time() > deadline:
                    raise TimeoutError(f"the limiter was still busy after {timeout} s")
                await asyncio.sleep(0.005)  # polling a condition, with a deadline

        asyncio.run_coroutine_threadsafe(idle(), self._loop).result(timeout + 5)

    def close(self) -> None:
        async def stop() -> None:
            self._server.close()
            current = asyncio.current_task()
            for task in asyncio.all_tasks():
                if task is not current:
                    task.cancel()
            await asyncio.sleep(0)

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> ConnectionLimit:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    try:
        while chunk := await reader.read(65536):
            if delay:
                await asyncio.sleep(delay)
            writer.write(chunk)
            await writer.drain()
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            writer.close()
