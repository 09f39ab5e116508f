"""Every answer from an identity provider is read with a size cap and under one deadline.

authlib 1.9.6 reads token, device-authorization and revocation answers whole: its httpx client
(authlib/integrations/httpx_client/oauth2_client.py, AsyncOAuth2Client._fetch_token and
_refresh_token) calls httpx's post(), which reads the full body before parse_response_token
looks at it, and httpx's own timeouts are per read, so a body that trickles in forever never
trips them. authlib passes a `transport` through to httpx (HTTPX_CLIENT_KWARGS in
httpx_client/utils.py), so the cap lives here, under authlib: a transport whose response stream
stops reading once MAX_ANSWER_BYTES have arrived, asking for uncompressed answers and refusing
compressed ones (a small compressed body can grow past any cap once decoded). The deadline is
asyncio.timeout() around each exchange (flows.py, discovery.py), ANSWER_DEADLINE seconds.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator

import httpx

__all__ = ["ANSWER_DEADLINE", "MAX_ANSWER_BYTES", "AnswerRefused", "capped_transport"]

MAX_ANSWER_BYTES = 256 * 1024  # real token answers are a few KB; discovery documents tens
ANSWER_DEADLINE = 30.0  # one whole request and its answer, however slowly it comes


class AnswerRefused(Exception):
    """The provider's answer was too large, or compressed; the reason is in plain words."""


class _CappedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, limit: int, host: str) -> None:
        self.inner, self.limit, self.host = inner, limit, host

    async def __aiter__(self) -> AsyncIterator[bytes]:
        total = 0
        async for chunk in self.inner:
            total += len(chunk)
            if total > self.limit:
                raise AnswerRefused(
                    f"{self.host} sent more than {self.limit // 1024} KB in one answer; "
                    "stopped reading"
                )
            yield chunk

    async def aclose(self) -> None:
        await self.inner.aclose()


class _CappedTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncHTTPTransport, limit: int) -> None:
        self.inner, self.limit = inner, limit

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["Accept-Encoding"] = "identity"
        response = await self.inner.handle_async_request(request)
        host = request.url.host
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        length = response.headers.get("content-length", "")
        reason = None
        if encoding not in ("", "identity"):
            reason = f"{host} sent a compressed answer ({encoding[:30]!r}) though asked not to"
        elif length.isdigit() and int(length) > self.limit:
            reason = f"{host} announced {int(length) // 1024} KB in one answer; not read"
        if reason is not None:
            await response.aclose()
            raise AnswerRefused(reason)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_CappedStream(response.stream, self.limit, host),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


def capped_transport(
    verify: ssl.SSLContext | bool = True, limit: int = MAX_ANSWER_BYTES
) -> httpx.AsyncBaseTransport:
    """httpx's own transport (our TLS trust, no proxies from the environment), capped."""
    return _CappedTransport(httpx.AsyncHTTPTransport(verify=verify, trust_env=False), limit)
