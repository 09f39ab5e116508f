"""core/net/http1: the URLs it accepts and what it makes of answers that are not HTTP.

The documents themselves (sizes, types, redirects, certificates, cancellation) are proven
through discovery against real servers in tests/discovery; here are the wire's edge cases,
against a raw TCP server on loopback that says exactly the bytes each test gives it.
"""

from __future__ import annotations

import asyncio

import pytest

from smtpwizard.core.net.http1 import HttpProtocolError, Url, http_get, parse_url


def test_a_url_is_split_into_what_goes_on_the_wire() -> None:
    url = parse_url("HTTPS://Autoconfig.Example.TEST/mail/config-v1.1.xml?emailaddress=a")
    assert url == Url(
        "https", "autoconfig.example.test", 443, "/mail/config-v1.1.xml?emailaddress=a"
    )
    assert url.authority == "autoconfig.example.test" and url.path == "/mail/config-v1.1.xml"
    assert str(parse_url("http://h.test:8080")) == "http://h.test:8080/"
    assert parse_url("https://[::1]:8443/x").authority == "[::1]:8443"


def test_a_user_name_in_a_url_is_never_sent() -> None:
    url = parse_url("https://anna:secret@ispdb.test/v1.1/example.test")
    assert "anna" not in str(url) and "secret" not in str(url)
    assert url.host == "ispdb.test"


def test_unicode_is_sent_encoded() -> None:
    assert parse_url("https://bücher.test/ä").host == "xn--bcher-kva.test"
    assert parse_url("https://h.test/%C3%A4/ä").target == "/%C3%A4/%C3%A4"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("ftp://h.test/x", "'ftp' addresses are not fetched"),
        ("https:///x", "without a host name"),
        ("https://h.test:99999/", "not a valid address"),
        ("https://h.test/a b", "spaces or control characters"),
        ("https://h.test/\r\nX-Evil: 1", "spaces or control characters"),
    ],
)
def test_bad_urls_are_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_url(text)


def test_every_space_or_control_character_is_refused() -> None:
    """Whatever str.isspace() calls a space, and C0 controls and DEL, anywhere in the URL."""
    refused = [chr(cp) for cp in range(0x3100) if chr(cp).isspace() or cp < 0x20 or cp == 0x7F]
    assert "\u00a0" in refused and "\u2028" in refused and "\u3000" in refused
    for ch in refused:
        with pytest.raises(ValueError, match="spaces or control characters"):
            parse_url(f"https://h.test/a{ch}b")
    assert str(parse_url("https://h.test/a\u00e9b")) == "https://h.test/a%C3%A9b"


async def _serve(reply: bytes) -> tuple[asyncio.Server, int, list[bytes]]:
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(reply)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], seen


async def _get(port: int) -> tuple[int, dict[str, str], bytes]:
    url = Url("http", "h.test", port, "/doc.xml")
    async with http_get(url, ("127.0.0.1",), context=None, headers=(("Accept", "text/xml"),)) as r:
        return r.status, r.headers, b"".join([c async for c in r.chunks()])


async def test_a_plain_answer_with_a_chunked_body_is_read_and_the_request_is_exact() -> None:
    server, port, seen = await _serve(
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nX-Twice: 1\r\nX-Twice: 2\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n4\r\n<ok/\r\n1\r\n>\r\n0\r\n\r\n"
    )
    async with server:
        status, headers, body = await _get(port)
    assert (status, body) == (200, b"<ok/>")
    assert headers["content-type"] == "text/xml" and headers["x-twice"] == "1"
    assert seen == [
        b"GET /doc.xml HTTP/1.1\r\nHost: h.test:%d\r\nAccept: text/xml\r\nConnection: close\r\n\r\n"
        % port
    ]


@pytest.mark.parametrize(
    "reply",
    [
        b"SMTP 220 hello\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        b"",
    ],
    ids=["not-http", "huge-header", "body-cut-short", "closed-at-once"],
)
async def test_what_is_not_http_is_a_protocol_error(reply: bytes) -> None:
    server, port, _ = await _serve(reply)
    async with server:
        with pytest.raises(HttpProtocolError):
            await asyncio.wait_for(_get(port), 5)


async def test_nothing_listening_is_a_refused_connection() -> None:
    server, port, _ = await _serve(b"")
    server.close()
    await server.wait_closed()
    with pytest.raises(ConnectionRefusedError):
        await _get(port)


async def test_an_ipv6_host_is_bracketed_in_the_host_header() -> None:
    # Only 127.0.0.0/8 is a target here: the request goes to a loopback server, while the
    # URL (and so the Host header) names an IPv6 address.
    server, port, seen = await _serve(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    url = Url("http", "2001:db8::1", port, "/x")
    async with server, http_get(url, ("127.0.0.1",), context=None) as response:
        assert response.status == 404
    assert seen[0].startswith(b"GET /x HTTP/1.1\r\nHost: [2001:db8::1]:%d\r\n" % port)
