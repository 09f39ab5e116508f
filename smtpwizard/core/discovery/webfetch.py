"""Fetching one small XML document over HTTP(S), defensively.

Caps: size (streamed, so the cap holds while reading), time (the caller's deadline), content type
(text/xml or application/xml), redirects (https only, same base domain, at most 3). Host names are
resolved through the discovery's own DNS view when one is configured (dns_server / resolve), so
tests and labs can point autoconfig.DOMAIN at a loopback address while the certificate is still
verified for the real name.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from types import TracebackType

import httpx

from ..errors import InputError
from ..net.resolve import is_ip
from ..net.tlsinfo import make_client_context
from .decoding import ACCEPT_ENCODING, CappedDecoder, DecodeError, DocumentTooLarge
from .dns import Resolver
from .domains import base_domain
from .model import DiscoveryOptions
from .transport import TrackingTransport

__all__ = ["FetchError", "FetchResult", "WebFetcher"]

_XML_TYPES = frozenset({"text/xml", "application/xml"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 3
_USER_AGENT = "smtpwizard-discovery/1"


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
    """One HTTP client for one discovery run; use as an async context manager."""

    def __init__(self, options: DiscoveryOptions, resolver: Resolver) -> None:
        self._options = options
        self._resolver = resolver
        try:
            # Cached: building a context loads the system's CA store (~20 ms).
            context = make_client_context(options.ca_file, pinned=False, for_web=True)
        except (OSError, ssl.SSLError) as exc:
            if options.ca_file:
                raise InputError(
                    f"The certificate authority file {options.ca_file!r} could not be used: {exc}",
                    "ca_file",
                ) from exc
            raise
        # No keep-alive (see TrackingTransport): connections are made to an IP we chose for one
        # host name; reusing one for another name would skip that name's certificate check.
        self.transport = TrackingTransport(context)
        self._client = httpx.AsyncClient(
            transport=self.transport,
            follow_redirects=False,
            trust_env=False,
            headers={
                "User-Agent": _USER_AGENT,
                "Accept": "application/xml, text/xml",
                "Accept-Encoding": ACCEPT_ENCODING,
            },
        )

    async def __aenter__(self) -> WebFetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._client.aclose()

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
        current = httpx.URL(url)
        allowed_base = base_domain(current.host)
        encrypted = current.scheme == "https"
        for _hop in range(_MAX_REDIRECTS + 1):
            location = await self._get_once(current, timeout, media_types)
            if isinstance(location, bytes):
                return FetchResult(str(current), location, encrypted)
            if not redirects:
                raise FetchError(f"{_show(current)} answered with a redirect; refused")
            target = current.join(location)
            if target.scheme != "https":
                raise FetchError(
                    f"{_show(current)} redirected to an unencrypted address ({_show(target)}); "
                    "refused"
                )
            if base_domain(target.host) != allowed_base:
                raise FetchError(
                    f"{_show(current)} redirected to another domain ({target.host}); refused"
                )
            current = target
        raise FetchError(
            f"too many redirects (more than {_MAX_REDIRECTS}); gave up at {_show(current)}"
        )

    async def _get_once(
        self, url: httpx.URL, timeout: float, media_types: frozenset[str]
    ) -> bytes | str:
        """The body, or the Location of a redirect."""
        if url.scheme not in ("https", "http"):
            raise FetchError(f"{url.scheme!r} addresses are not fetched")
        request_url, headers, extensions = await self._route(url)
        cap = self._options.max_document_bytes
        try:
            async with self._client.stream(
                "GET",
                request_url,
                headers=headers,
                extensions=extensions,
                timeout=httpx.Timeout(timeout),
            ) as response:
                if response.status_code in _REDIRECTS:
                    location = str(response.headers.get("location", ""))
                    if not location:
                        raise FetchError(f"{_show(url)} redirected without saying where to")
                    return location
                if response.status_code in (404, 410):
                    raise FetchError(
                        f"{_show(url)}: not found (HTTP {response.status_code})", missing=True
                    )
                if response.status_code != 200:
                    raise FetchError(f"{_show(url)} answered HTTP {response.status_code}")
                media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if media_type not in media_types:
                    wanted = " or ".join(sorted(media_types))
                    raise FetchError(
                        f"{_show(url)} sent {media_type or 'no content type'!s} instead of "
                        f"{'XML' if media_types == _XML_TYPES else 'text'} ({wanted}); refused"
                    )
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > cap:
                    raise FetchError(
                        f"{_show(url)} offered a {_size(int(declared))} document; "
                        f"the limit is {_size(cap)}; refused"
                    )
                return await _read_capped(url, response, cap)
        except httpx.TimeoutException as exc:
            raise FetchError(f"{_show(url)} did not answer within {timeout:g} s") from exc
        except httpx.ConnectError as exc:
            raise _connect_error(url, exc) from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{_show(url)}: {type(exc).__name__}: {exc}") from exc
        except OSError as exc:
            raise FetchError(f"{_show(url)}: {exc.strerror or exc}") from exc

    async def _route(self, url: httpx.URL) -> tuple[httpx.URL, dict[str, str], dict[str, str]]:
        """Where to connect: the name itself, or an address from our own DNS view."""
        host = url.host
        if is_ip(host):  # an address is not a name to look up (e.g. an --ispdb-url of an IP)
            return url, {}, {}
        address = self._options.resolve.get(host)
        if address is None and self._options.dns_server is not None:
            answer = await self._resolver.addresses(host)
            if not answer.records:
                raise FetchError(f"{host}: {answer.reason}", missing=not answer.failed)
            address = answer.records[0]
        if address is None:
            return url, {}, {}
        default_port = 443 if url.scheme == "https" else 80
        host_header = host if url.port in (None, default_port) else f"{host}:{url.port}"
        extensions = {"sni_hostname": host} if url.scheme == "https" else {}
        return url.copy_with(host=address), {"Host": host_header}, extensions


async def _read_capped(url: httpx.URL, response: httpx.Response, cap: int) -> bytes:
    """The decoded body, refused as soon as the raw bytes or any decoded layer passes cap."""
    try:
        decoder = CappedDecoder(response.headers.get("content-encoding", ""), cap)
    except DecodeError as exc:
        raise FetchError(f"{_show(url)} sent a document we cannot read: {exc}; refused") from exc
    body = bytearray()
    received = 0
    try:
        async for chunk in response.aiter_raw():
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


def _show(url: httpx.URL) -> str:
    # Never echo a query string: it could carry personal data.
    return f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}{url.path}"


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.0f} MiB"
    if count >= 1024:
        return f"{count / 1024:.0f} KiB"
    return f"{count} bytes"


def _connect_error(url: httpx.URL, exc: httpx.ConnectError) -> FetchError:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return FetchError(
                f"{_show(url)}: its certificate is not valid ({cause.verify_message}); refused"
            )
        if isinstance(cause, ssl.SSLError):
            return FetchError(f"{_show(url)}: the secure connection failed ({cause.reason})")
        if isinstance(cause, ConnectionRefusedError):
            return FetchError(f"{_show(url)}: no web server answers there", missing=True)
        cause = cause.__cause__ or cause.__context__
    text = str(exc)
    if "Name or service not known" in text or "nodename nor servname" in text:
        return FetchError(f"{url.host} does not exist in DNS", missing=True)
    if "refused" in text.lower():
        return FetchError(f"{_show(url)}: no web server answers there", missing=True)
    return FetchError(f"{_show(url)}: could not connect ({text or type(exc).__name__})")
