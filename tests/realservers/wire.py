"""A recording TCP relay: everything the client sends to a real server, byte for byte.

The client connects to the relay; the relay connects to the server and copies both ways, keeping
what the client sent. Encrypted traffic stays encrypted in the recording, so a password found
in it crossed the wire readable.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator


class Recorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent = bytearray()
        self.connections = 0

    def add(self, data: bytes) -> None:
        with self._lock:
            self._sent += data

    @property
    def client_bytes(self) -> bytes:
        with self._lock:
            return bytes(self._sent)


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, record: Recorder | None
) -> None:
    try:
        while data := await reader.read(65536):
            if record is not None:
                record.add(data)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


@contextlib.contextmanager
def recording_relay(listen: str, target: tuple[str, int]) -> Iterator[tuple[int, Recorder]]:
    """Listens on (listen, ephemeral port) in a thread; yields the port and the recorder."""
    record = Recorder()
    loop = asyncio.new_event_loop()
    sock = socket.socket()
    sock.bind((listen, 0))
    port = sock.getsockname()[1]
    writers: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        record.connections += 1
        writers.append(writer)
        up_reader, up_writer = await asyncio.open_connection(*target)
        writers.append(up_writer)
        await asyncio.gather(_pipe(reader, up_writer, record), _pipe(up_reader, writer, None))

    server = loop.run_until_complete(asyncio.start_server(handle, sock=sock))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def shut_down() -> None:
        server.close()
        for writer in writers:
            writer.close()
        for writer in writers:
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        await server.wait_closed()

    try:
        yield port, record
    finally:
        # Every socket closed in the loop that owns it: none left for the garbage collector.
        asyncio.run_coroutine_threadsafe(shut_down(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()
