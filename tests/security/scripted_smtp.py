"""A scripted SMTP server for attack tests: every reply is exact bytes, STARTTLS is real TLS.

aiosmtpd encodes its replies itself (no invalid UTF-8, no control bytes in the places an attacker
puts them), so the replies an attacker chooses come from this small server instead. It speaks
enough SMTP for our client to reach each step (greeting, EHLO, STARTTLS with a real handshake,
AUTH PLAIN/LOGIN/CRAM-MD5, MAIL, RCPT, QUIT) and records what it received, so tests can assert
what the client sent and when.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

# The reply to AUTH may depend on what the client sent (an echoing server).
AuthReply = bytes | Callable[[list[bytes]], bytes]


@dataclass
class Script:
    greeting: bytes = b"220 mx.scripted.test ESMTP"
    ehlo_name: bytes = b"mx.scripted.test"
    mechanisms: bytes = b"PLAIN LOGIN"
    starttls: bytes = b"220 2.0.0 Ready to start TLS"
    offer_starttls: bool = True
    auth: AuthReply = b"235 2.7.0 Authentication successful"
    mail: bytes = b"250 2.1.0 Ok"
    rcpt: bytes = b"250 2.1.5 Ok"


@dataclass
class Seen:
    lines: list[bytes] = field(default_factory=list)  # every command line, as received
    auth: list[tuple[bool, list[bytes]]] = field(default_factory=list)  # (encrypted, lines)
    ehlo: list[bytes] = field(default_factory=list)  # the EHLO/HELO arguments
    connections: int = 0


class ScriptedServer:
    """Runs in its own thread and event loop; use as a context manager."""

    def __init__(self, script: Script, tls: ssl.SSLContext | None, host: str) -> None:
        self.script = script
        self.seen = Seen()
        self._tls = tls
        self._host = host
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._session, self._host, 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.cancel()
        await self._server.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.seen.connections += 1
        with contextlib.suppress(OSError, asyncio.IncompleteReadError, ssl.SSLError):
            try:
                await self._talk(reader, writer)
            finally:
                writer.close()

    async def _talk(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        s = self.script
        encrypted = False

        async def say(*lines: bytes) -> None:
            writer.write(b"".join(line + b"\r\n" for line in lines))
            await writer.drain()

        await say(s.greeting)
        if not s.greeting.startswith(b"220"):
            return
        while True:
            line = (await reader.readuntil(b"\n")).rstrip(b"\r\n")
            self.seen.lines.append(line)
            verb = line.split(b" ", 1)[0].upper()
            if verb in (b"EHLO", b"HELO"):
                self.seen.ehlo.append(line[5:])
                extensions = [b"8BITMIME", b"AUTH " + s.mechanisms]
                if s.offer_starttls and not encrypted and self._tls is not None:
                    extensions.insert(0, b"STARTTLS")
                names = [s.ehlo_name, *extensions]
                await say(*(b"250-" + n for n in names[:-1]), b"250 " + names[-1])
            elif verb == b"STARTTLS" and self._tls is not None and not encrypted:
                await say(s.starttls)
                if not s.starttls.startswith(b"220"):
                    continue
                await writer.start_tls(self._tls)
                encrypted = True
            elif verb == b"AUTH":
                await self._auth(line, reader, say, encrypted)
            elif verb == b"MAIL":
                await say(s.mail)
            elif verb == b"RCPT":
                await say(s.rcpt)
            elif verb == b"RSET" or verb == b"NOOP":
                await say(b"250 2.0.0 Ok")
            elif verb == b"QUIT":
                await say(b"221 2.0.0 Bye")
                return
            else:
                await say(b"502 5.5.2 Error: command not recognized")

    async def _auth(
        self,
        line: bytes,
        reader: asyncio.StreamReader,
        say: Callable[..., object],
        encrypted: bool,
    ) -> None:
        words = line.split()
        received = [line]
        mechanism = words[1].upper() if len(words) > 1 else b""
        challenges = {b"LOGIN": 2 - (len(words) > 2), b"CRAM-MD5": 1}.get(mechanism, 0)
        if mechanism == b"PLAIN" and len(words) == 2:
            challenges = 1
        prompts = [base64.b64encode(b"Username:"), base64.b64encode(b"Password:")]
        if mechanism == b"CRAM-MD5":
            prompts = [base64.b64encode(b"<1896.697170952@scripted.test>")]
        elif mechanism == b"PLAIN":
            prompts = [b""]
        elif challenges == 1:
            prompts = prompts[1:]
        for prompt in prompts[:challenges]:
            await say(b"334 " + prompt)  # type: ignore[misc]
            received.append((await reader.readuntil(b"\n")).rstrip(b"\r\n"))
        self.seen.auth.append((encrypted, received))
        reply = self.script.auth
        await say(reply(received) if callable(reply) else reply)  # type: ignore[misc]


@contextlib.contextmanager
def scripted(
    script: Script, tls: ssl.SSLContext | None, host: str = "127.0.10.1"
) -> Iterator[ScriptedServer]:
    with ScriptedServer(script, tls, host) as server:
        yield server
