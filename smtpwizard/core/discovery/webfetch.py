"""Fetching one small XML document over HTTP(S), defensively.

Caps: size (streamed, so the cap holds while reading), time (the caller's deadline, over every
hop of the fetch), content type (text/xml or application/xml), redirects (https only, same base
domain, at most 3). Host names are resolved through the discovery's own DNS view when one is
configured (dns_server / resolve), so tests and labs can point autoconfig.DOMAIN at a loopback
address while the certificate is still verified for the real name. The HTTP itself is
core/net/http1.py's (h11 on asyncio streams; why not httpx: see there).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urljoin, urlsplit

from ..errors import InputError
from ..inputs import is_ip
from ..net.http1 import (
    HttpProtocolError,
    HttpResponse,
    Url,
    http_get,
    parse_url,
    system_addresses,
)
from ..net.tlsinfo import make_client_context
from .decoding import ACCEPT_ENCODING, CappedDecoder, DecodeError, DocumentTooLarge
from .dns import Resolver
from .domains import base_domain
from .model import DiscoveryOptions

__all__ = ["FetchError", "FetchResult", "WebFetcher"]

_XML_TYPES = frozenset({"text/xml", "application/xml"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 3
_HEADERS = (
    ("User-Agent", "smtpwizard-discovery/1"),
    ("Accept", "application/xml, text/xml"),
    ("Accept-Encoding", ACCEPT_ENCODING),
)


class FetchError(Exception):
    """The document could not be had; str() is a plain reason.

    missing=True means a definite "there is nothing here" (404, no such host, nothing listening),
    as opposed to a failure (timeout, bad certificate, a refused document).
    """

    def __init__(self, reason: str, *, missing: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.missing = missing


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str  # the final URL, after redirects
    data: bytes
    encrypted: bool  # every hop was https


class WebFetcher:
    """The fetches of one discovery run; use as an async context manager.

    Every fetch has a connection of its own, closed when the fetch ends however it ends, so
    there is nothing to close here: the context manager stays for the callers' sake.
    """

    def __init__(self, options: DiscoveryOptions, resolver: Resolver) -> None:
        self._options = options
        self._resolver = resolver
        try:
            # Cached: building a context loads the system's CA store (~20 ms).
            self._context = make_client_context(options.ca_file, pinned=False, for_web=True)
        except (OSError, ssl.SSLError) as exc:
            if options.ca_file:
                raise InputError(
                    f"The certificate authority file {options.ca_file!r} could not be used: {exc}",
                    "ca_file",
                ) from exc
            raise

    async def __aenter__(self) -> WebFetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def url(self, scheme: str, host: str, path: str) -> str:
        """A well-known URL on host; the port comes from options.web_ports (tests and labs)."""
        https_port, http_port = self._options.web_ports
        port = https_port if scheme == "https" else http_port
        default = 443 if scheme == "https" else 80
        authority = host if port == default else f"{host}:{port}"
        return f"{scheme}://{authority}{path}"

    async def get_xml(self, url: str, *, timeout: float) -> FetchResult:
        """GET url; redirects may only go to https on the same base domain as url's host."""
        return await self.get_document(url, timeout=timeout)

    async def get_document(
        self,
        url: str,
        *,
        timeout: float,
        media_types: frozenset[str] = _XML_TYPES,
        redirects: bool = True,
    ) -> FetchResult:
        """GET url with the same caps for any media type; redirects=False refuses every 3xx
        (RFC 8461 3.3: an MTA-STS policy is never fetched through a redirect)."""
        try:
            current = parse_url(url)
        except ValueError as exc:
            raise FetchError(f"{url!r} cannot be fetched: {exc}") from None
        allowed_base = base_domain(current.host)
        encrypted = current.scheme == "https"
        try:
            async with asyncio.timeout(timeout):
                for _hop in range(_MAX_REDIRECTS + 1):
                    location = await self._get_once(current, media_types)
                    if isinstance(location, bytes):
                        return FetchResult(str(current), location, encrypted)
                    if not redirects:
                        raise FetchError(f"{_show(current)} answered with a redirect; refused")
                    joined = urljoin(str(current), location)
                    if urlsplit(joined).scheme.lower() != "https":
                        raise FetchError(
                            f"{_show(current)} redirected to an unencrypted address "
                            f"({_show_text(joined)}); refused"
                        )
                    try:
                        target = parse_url(joined)
                    except ValueError as exc:
                        raise FetchError(
                            f"{_show(current)} redirected to an address we refuse ({exc})"
                        ) from None
                    if base_domain(target.host) != allowed_base:
                        raise FetchError(
                            f"{_show(current)} redirected to another domain ({target.host}); "
                            "refused"
                        )
                    current = target
        except TimeoutError:
            raise FetchError(f"{_show(current)} did not answer within {timeout:g} s") from None
        raise FetchError(
            f"too many redirects (more than {_MAX_REDIRECTS}); gave up at {_show(current)}"
        )

    async def _get_once(self, url: Url, media_types: frozenset[str]) -> bytes | str:
        """The body, or the Location of a redirect."""
        addresses = await self._route(url)
        cap = self._options.max_document_bytes
        try:
            async with http_get(
                url, addresses, context=self._context, headers=_HEADERS
            ) as response:
                if response.status in _REDIRECTS:
                    location = response.headers.get("location", "")
                    if not location:
                        raise FetchError(f"{_show(url)} redirected without saying where to")
                    return location
                if response.status in (404, 410):
                    raise FetchError(
                        f"{_show(url)}: not found (HTTP {response.status})", missing=True
                    )
                if response.status != 200:
                    raise FetchError(f"{_show(url)} answered HTTP {response.status}")
                media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if media_type not in media_types:
                    wanted = " or ".join(sorted(media_types))
                    raise FetchError(
                        f"{_show(url)} sent {media_type or 'no content type'!s} instead of "
                        f"{'XML' if media_types == _XML_TYPES else 'text'} ({wanted}); refused"
                    )
                declared = response.headers.get("content-length", "").strip()
                if declared.isdigit() and int(declared) > cap:
                    raise FetchError(
                        f"{_show(url)} offered a {_size(int(declared))} document; "
                        f"the limit is {_size(cap)}; refused"
                    )
                return await _read_capped(url, response, cap)
        except ssl.SSLCertVerificationError as exc:
            raise FetchError(
                f"{_show(url)}: its certificate is not valid ({exc.verify_message}); refused"
            ) from None
        except ssl.SSLError as exc:
            raise FetchError(
                f"{_show(url)}: the secure connection failed ({exc.reason or exc})"
            ) from None
        except ConnectionRefusedError:
            raise FetchError(f"{_show(url)}: no web server answers there", missing=True) from None
        except HttpProtocolError as exc:
            raise FetchError(f"{_show(url)}: {exc}") from None
        except ValueError as exc:  # a request h11 would not send
            raise FetchError(f"{_show(url)}: {exc}") from None
        except OSError as exc:
            raise FetchError(
                f"{_show(url)}: the connection failed ({exc.strerror or exc or type(exc).__name__})"
            ) from None

    async def _route(self, url: Url) -> tuple[str, ...]:
        """Where to connect: an address from our own DNS view, else the system's."""
        host = url.host
        if is_ip(host):  # an address is not a name to look up (e.g. an --ispdb-url of an IP)
            return (host,)
        address = self._options.resolve.get(host)
        if address is not None:
            return (address,)
        if self._options.dns_server is not None:
            answer = await self._resolver.addresses(host)
            if not answer.records:
                raise FetchError(f"{host}: {answer.reason}", missing=not answer.failed)
            return (answer.records[0],)
        try:
            return await system_addresses(host, url.port)
        except socket.gaierror as exc:
            if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
                raise FetchError(f"{host} does not exist in DNS", missing=True) from None
            raise FetchError(f"{host}: could not look it up ({exc.strerror or exc})") from None


async def _read_capped(url: Url, response: HttpResponse, cap: int) -> bytes:
    """The decoded body, refused as soon as the raw bytes or any decoded layer passes cap."""
    try:
        decoder = CappedDecoder(response.headers.get("content-encoding", ""), cap)
    except DecodeError as exc:
        raise FetchError(f"{_show(url)} sent a document we cannot read: {exc}; refused") from exc
    body = bytearray()
    received = 0
    try:
        async for chunk in response.chunks():
            received += len(chunk)
            if received > cap:
                raise DocumentTooLarge("raw")
            body += decoder.feed(chunk)
            if len(body) > cap:
                raise DocumentTooLarge("body")
        body += decoder.flush()
    except DocumentTooLarge as exc:
        what = "sent" if str(exc) == "raw" else "sent a document that expands to"
        raise FetchError(
            f"{_show(url)} {what} more than {_size(cap)}; stopped reading and refused"
        ) from exc
    except DecodeError as exc:
        raise FetchError(f"{_show(url)} sent a document we cannot read: {exc}; refused") from exc
    if len(body) > cap:
        raise FetchError(
            f"{_show(url)} sent a document that expands to more than {_size(cap)}; refused"
        )
    return bytes(body)


def _show(url: Url) -> str:
    # Never echo a query string: it could carry personal data.
    return f"{url.scheme}://{url.authority}{url.path}"


def _show_text(text: str) -> str:
    """_show for an address we will not fetch (and so did not parse)."""
    try:
        parts = urlsplit(text)
        return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"
    except ValueError:
        return "an address that is not valid"


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.0f} MiB"
    if count >= 1024:
        return f"{count / 1024:.0f} KiB"
    return f"{count} bytes"
