"""An httpx transport whose sockets are all accounted for, so cancellation leaves none open.

Why: httpcore 1.0.9 leaks the TCP connection when a request is cancelled during the TLS
handshake (its start_tls closes the stream on Exception, not on CancelledError), and the socket
then stays open until garbage collection. Discovery cancels fetches routinely (a better source
answered, a deadline passed, the user pressed Back), so this transport wraps httpcore's own
network backend: every stream it opens is tracked, closed if its TLS upgrade fails for any
reason, and force-closed when the transport closes. Everything else is httpcore's standard
connection pool, the same one httpx.AsyncHTTPTransport uses.
"""

from __future__ import annotations

import contextlib
import ssl
import typing
from collections.abc import AsyncIterator, Iterable, Iterator

import httpcore
import httpx

__all__ = ["TrackingTransport"]


class TrackingTransport(httpx.AsyncBaseTransport):
    def __init__(self, ssl_context: ssl.SSLContext) -> None:
        self._backend = _TrackingBackend()
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            # one request per connection: we connect to an address chosen for one host name
            max_keepalive_connections=0,
            network_backend=self._backend,
        )

    @property
    def open_streams(self) -> int:
        return len(self._backend.streams)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _mapped_errors():
            response = await self._pool.handle_async_request(core_request)
        assert isinstance(response.stream, typing.AsyncIterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        try:
            await self._pool.aclose()
        finally:
            await self._backend.close_all()


class _TrackingBackend(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()
        self.streams: set[_TrackedStream] = set()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _TrackedStream(stream, self)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used by discovery")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)

    async def close_all(self) -> None:
        for stream in list(self.streams):
            await stream.aclose()


class _TrackedStream(httpcore.AsyncNetworkStream):
    def __init__(self, inner: httpcore.AsyncNetworkStream, owner: _TrackingBackend) -> None:
        self._inner = inner
        self._owner = owner
        owner.streams.add(self)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        self._owner.streams.discard(self)
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            upgraded = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        except BaseException:
            # Also on cancellation: the plain socket under a half-done handshake must close.
            await self.aclose()
            raise
        self._owner.streams.discard(self)  # the TLS stream owns the socket from here on
        return _TrackedStream(upgraded, self._owner)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, inner: typing.AsyncIterable[bytes]) -> None:
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _mapped_errors():
            async for part in self._inner:
                yield part

    async def aclose(self) -> None:
        close = getattr(self._inner, "aclose", None)
        if close is not None:
            await close()


@contextlib.contextmanager
def _mapped_errors() -> Iterator[None]:
    """httpcore's errors as the httpx ones callers catch (the cause chain is kept)."""
    try:
        yield
    except httpcore.TimeoutException as exc:
        raise httpx.TimeoutException(str(exc)) from exc
    except httpcore.ConnectError as exc:
        raise httpx.ConnectError(str(exc)) from exc
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as exc:
        raise httpx.TransportError(str(exc)) from exc
