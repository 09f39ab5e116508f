"""One HTTP/1.1 GET on a connection of its own: asyncio streams, h11 for the protocol.

Why not httpx here: discovery fetches a handful of small documents per search, most of which
fail before a byte is sent (no such name, nothing listening), and httpx's machinery costs more
than the fetch: a refused connection took 0.55 ms of CPU through httpx 0.28 / httpcore 1.0.9 /
anyio 4 against 0.08 ms for the connect itself, and parsing each URL another 0.1 ms
(bench/probe.py on loopback, where the search costs exactly its CPU). What httpx gave us beyond
the wire protocol we did not use: no keep-alive (a connection is made to an address chosen for
one name), no proxies, no cookies, no decoding (decoding.py caps it). The wire protocol itself is
h11's, the same parser httpcore uses (h11 0.16: header block capped at 16 KiB, chunked,
Content-Length and close-delimited bodies).

The caller's deadline (asyncio.timeout) bounds everything; the connection is closed when the
context is left, however it is left, so none outlives a cancelled fetch.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import h11

from .network import open_tcp

__all__ = ["HttpProtocolError", "HttpResponse", "Url", "http_get", "parse_url"]

_READ = 65536
_DEFAULT_PORTS = {"https": 443, "http": 80}
# What may stay as it is in a request target (RFC 3986 pchar, "/" and "?", and "%" of an
# escape already made); anything else is percent-encoded rather than sent raw.
_TARGET_SAFE = "/?%:@!$&'()*+,;=-._~"


class HttpProtocolError(Exception):
    """The server's answer was not HTTP we can read; str() is a plain reason."""


@dataclass(frozen=True, slots=True)
class Url:
    scheme: str  # "https" or "http"
    host: str  # lower-case; ASCII (IDNA) for names, no brackets for IPv6
    port: int
    target: str  # path and query, as sent on the request line

    @property
    def default_port(self) -> bool:
        return self.port == _DEFAULT_PORTS[self.scheme]

    @property
    def authority(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.default_port else f"{host}:{self.port}"

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    def __str__(self) -> str:
        return f"{self.scheme}://{self.authority}{self.target}"


# re's \s is str.isspace() (both are Py_UNICODE_ISSPACE); one search, not a call per character.
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


def parse_url(text: str) -> Url:
    """An http(s) URL; ValueError with a plain reason for anything else.

    A user name or password in it is dropped: nothing we fetch needs one, and it would
    otherwise be sent to whatever server the address names.
    """
    if _SPACE_OR_CONTROL.search(text):
        raise ValueError("an address with spaces or control characters")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"not a valid address ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"{scheme or 'no'!r} addresses are not fetched")
    host = parts.hostname or ""
    if not host:
        raise ValueError("an address without a host name")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError(f"{host!r} is not a valid host name") from None
    target = quote(parts.path or "/", safe=_TARGET_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=_TARGET_SAFE)
    return Url(scheme, host, port or _DEFAULT_PORTS[scheme], target)


class HttpResponse:
    """The status line and headers; the body is read with chunks()."""

    def __init__(
        self, head: h11.Response, conn: h11.Connection, reader: asyncio.StreamReader
    ) -> None:
        self.status = head.status_code
        self.headers: dict[str, str] = {}
        for name, value in head.headers:
            # the first of repeated headers; latin-1 reads any byte (RFC 9110 5.5)
            self.headers.setdefault(name.decode("ascii"), value.decode("latin-1"))
        self._conn = conn
        self._reader = reader

    async def chunks(self) -> AsyncIterator[bytes]:
        """The raw body (Transfer-Encoding undone, Content-Encoding not), as it arrives."""
        while True:
            event = await _next_event(self._conn, self._reader)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                return


@contextlib.asynccontextmanager
async def http_get(
    url: Url,
    addresses: tuple[str, ...],
    *,
    context: ssl.SSLContext | None,
    server_name: str | None = None,
    headers: tuple[tuple[str, str], ...] = (),
) -> AsyncIterator[HttpResponse]:
    """GET url from one of addresses (Happy Eyeballs); TLS with context when it is https.

    server_name is the name the certificate must show and the Host header names (url.host
    by default, when addresses came from our own DNS view). Raises OSError when nothing
    connects, ssl.SSLError when TLS fails, HttpProtocolError for an answer that is not HTTP.
    """
    name = server_name or url.host
    sock, _, errors = await open_tcp(addresses, url.port)
    if sock is None:
        raise _connect_failure(errors)
    # asyncio owns the socket from here: it closes it on every path, so closing it here too
    # could free a descriptor number another socket takes before asyncio's own close runs.
    reader, writer = await asyncio.open_connection(
        sock=sock,
        ssl=context if url.scheme == "https" else None,
        server_hostname=name if url.scheme == "https" else None,
        limit=_READ,
    )
    try:
        shown = f"[{name}]" if ":" in name else name  # an IPv6 address (RFC 9110 7.2)
        host_header = shown if url.default_port else f"{shown}:{url.port}"
        conn = h11.Connection(h11.CLIENT)
        try:
            request = conn.send(
                h11.Request(
                    method="GET",
                    target=url.target,
                    headers=[("Host", host_header), *headers, ("Connection", "close")],
                )
            )
        except h11.LocalProtocolError as exc:
            raise ValueError(f"cannot ask for {url}: {exc}") from None
        writer.write(request + (conn.send(h11.EndOfMessage()) or b""))
        while True:
            event = await _next_event(conn, reader)
            if isinstance(event, h11.Response):
                break
            if isinstance(event, h11.ConnectionClosed):
                raise HttpProtocolError("the server closed the connection without answering")
            # (an InformationalResponse, 1xx: the real answer follows)
        yield HttpResponse(event, conn, reader)
    finally:
        writer.transport.abort()  # one request per connection: no TLS goodbye to wait for
        with contextlib.suppress(Exception):
            await writer.wait_closed()


async def _next_event(conn: h11.Connection, reader: asyncio.StreamReader) -> object:
    while True:
        try:
            event = conn.next_event()
        except h11.RemoteProtocolError as exc:
            raise HttpProtocolError(f"not a valid HTTP answer ({exc})") from None
        if event is not h11.NEED_DATA:
            return event
        data = await reader.read(_READ)
        try:
            conn.receive_data(data)  # b"" is the end of the stream
        except h11.RemoteProtocolError as exc:
            raise HttpProtocolError(f"not a valid HTTP answer ({exc})") from None


def _connect_failure(errors: list[OSError]) -> OSError:
    for exc in errors:
        if isinstance(exc, ConnectionRefusedError):
            return exc  # "nothing listens there" says the most
    return errors[-1] if errors else OSError("no address to connect to")


async def system_addresses(host: str, port: int) -> tuple[str, ...]:
    """The system resolver's addresses for host; socket.gaierror when it has none."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return tuple(dict.fromkeys(str(info[4][0]) for info in infos))
