"""The one-shot redirect listener of a desktop sign-in (RFC 8252 section 7.3).

It listens on 127.0.0.1 (not "localhost", which may resolve to ::1 or be hijacked by a hosts
file) on a port the system picks, accepts requests for "/" only, and finishes at the first
redirect that carries our `state`: any other request, from another program on this computer
or a stale browser tab, gets an error page and changes nothing. Each request has a deadline and
a size cap, so a client that connects and says nothing cannot hold it.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from urllib.parse import parse_qs, urlsplit

__all__ = ["RedirectListener"]

_MAX_REQUEST = 16 * 1024
_REQUEST_DEADLINE = 10.0
_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>smtpwizard</title></head>"
    "<body style='font-family:sans-serif;margin:3em'><h1>{title}</h1><p>{text}</p></body></html>"
)
_DONE = _PAGE.format(
    title="You can close this window",
    text="smtpwizard has received your sign-in. Return to smtpwizard to continue.",
)
_NOT_OURS = _PAGE.format(
    title="Nothing to do here", text="This address only answers smtpwizard's own sign-in."
)


class RedirectListener:
    """`name` is what the redirect address says: "127.0.0.1", or "localhost" for providers
    that only accept that (Microsoft's desktop apps register http://localhost, any port);
    then ::1 on the same port is served too, for browsers that try IPv6 first."""

    def __init__(self, name: str = "127.0.0.1") -> None:
        if name not in ("127.0.0.1", "localhost"):
            raise ValueError(f"not a loopback name: {name!r}")
        self.name = name
        self.state = secrets.token_urlsafe(24)
        self._server: asyncio.Server | None = None
        self._server6: asyncio.Server | None = None
        self._result: asyncio.Future[dict[str, str]] | None = None
        self._handlers: set[asyncio.Task[None]] = set()  # one per connection still open
        self._closing = False
        self.port = 0

    @property
    def redirect_uri(self) -> str:
        return f"http://{self.name}:{self.port}/"

    async def __aenter__(self) -> RedirectListener:
        self._result = asyncio.get_running_loop().create_future()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, limit=_MAX_REQUEST)
        self.port = self._server.sockets[0].getsockname()[1]
        if self.name == "localhost":
            with contextlib.suppress(OSError):  # no IPv6 here: 127.0.0.1 alone serves
                self._server6 = await asyncio.start_server(
                    self._handle, "::1", self.port, limit=_MAX_REQUEST
                )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop listening and end every connection still open (a browser's second request,
        a program that connected and said nothing): once closed, nothing of it is left.

        Python 3.11's Server.close() leaves accepted connections to their handlers, which
        would hold them until their deadline, or for ever if the event loop ends first (the
        CLI's asyncio.run): an open socket left to garbage collection.
        """
        self._closing = True
        servers = [server for server in (self._server, self._server6) if server is not None]
        self._server = self._server6 = None
        for server in servers:
            server.close()
        # A connection accepted just before may reach _handle meanwhile: it ends at once. One
        # whose transport is made only after server.close() never reaches it: 3.11.7's
        # Server._attach asserts that the server still listens, and that socket is left to
        # garbage collection (seen only when a connect races the close itself).
        while handlers := [t for t in self._handlers if t is not asyncio.current_task()]:
            for task in handlers:
                task.cancel()
            await asyncio.wait(handlers)  # each closes its connection as it ends
        for server in servers:
            # Python 3.12+ waits for open handlers; none is left.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 1.0)

    async def wait(self) -> dict[str, str]:
        """The redirect's query parameters (code, state, error, iss...), once."""
        assert self._result is not None
        try:
            return await asyncio.shield(self._result)
        finally:
            await self.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            if not self._closing:
                await self._answer(reader, writer)
        finally:
            self._handlers.discard(task)
            # Answered, given up or stopped by close(): the connection ends here, after the
            # page (a whole page is in the kernel's buffer once written, on loopback).
            writer.close()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(_REQUEST_DEADLINE):
                head = await reader.readuntil(b"\r\n\r\n")
            params = self._parse(head)
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
            params = None
        ours = params is not None and secrets.compare_digest(params.get("state", ""), self.state)
        body = _DONE if ours else _NOT_OURS
        status = "200 OK" if ours else "400 Bad Request"
        with contextlib.suppress(OSError):
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n"
                f"Content-Length: {len(body.encode())}\r\nConnection: close\r\n"
                "Cache-Control: no-store\r\n\r\n".encode()
                + body.encode()
            )
            async with asyncio.timeout(_REQUEST_DEADLINE):
                await writer.drain()  # the page is out before the connection ends
        if ours and params is not None and self._result is not None and not self._result.done():
            self._result.set_result(params)

    @staticmethod
    def _parse(head: bytes) -> dict[str, str] | None:
        # readuntil() has refused anything longer than _MAX_REQUEST already.
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != "GET":
            return None
        target = urlsplit(parts[1])
        if target.path != "/":
            return None
        query = parse_qs(target.query, keep_blank_values=True, max_num_fields=20)
        return {k: v[0] for k, v in query.items() if len(v) == 1}
