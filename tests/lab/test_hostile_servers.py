"""Hostile servers send exactly their misbehaviour, record any AUTH, and stay bounded."""

from __future__ import annotations

import asyncio
import socket
import ssl
import time

import aiosmtplib
import pytest

from smtpwizard.core.settings import Security
from tests.labkit import AuthAttempt, Lab

from .helpers import LineSocket, client, connect, plain_b64

pytestmark = pytest.mark.timeout(30)

GREETING = b"220 lab.test ESMTP smtpwizard-lab"


def test_silent_never_speaks_but_keeps_the_connection(lab: Lab) -> None:
    ep = lab.start("silent")
    with connect(ep, timeout=0.3) as sock:
        assert ep.wait_connections(1)
        with pytest.raises(TimeoutError):
            sock.recv(1)  # no byte at all; b"" here would mean it closed on us
        sock.sendall(f"AUTH PLAIN {plain_b64('anna@lab.test', 'pw')}\r\n".encode())
        assert ep.wait_auth_attempts(1)
    assert ep.wait_idle()
    assert ep.auth_attempts == [AuthAttempt("PLAIN", "anna@lab.test", encrypted=False)]


def test_closed_refuses(lab: Lab) -> None:
    ep = lab.start("closed")
    assert ep.port > 0 and ep.security is Security.STARTTLS
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((ep.host, ep.port), timeout=2)


def test_busy_greets_421_and_closes(lab: Lab) -> None:
    ep = lab.start("busy")
    with connect(ep) as sock:
        conn = LineSocket(sock)
        assert conn.read_reply() == [
            b"421 4.3.2 Service not available, closing transmission channel"
        ]
        assert sock.recv(1) == b""


def test_slow_greeter_greets_after_three_seconds(lab: Lab) -> None:
    ep = lab.start("slow_greeter")
    assert ep.security is Security.NONE and ep.tls_name is None
    started = time.monotonic()
    with connect(ep, timeout=6) as sock:
        conn = LineSocket(sock)
        assert conn.read_reply() == [GREETING]
        waited = time.monotonic() - started
        assert 2.9 <= waited < 4.5
        assert conn.command("EHLO client.test")[-1] == b"250 AUTH PLAIN LOGIN"
        assert conn.command("QUIT") == [b"221 2.0.0 Bye"]


def test_huge_banner_is_one_4_mib_line(lab: Lab) -> None:
    ep = lab.start("huge_banner")
    expected = 4 + 4 * 1024 * 1024 + 2
    received = bytearray()
    with connect(ep) as sock:
        while not received.endswith(b"\r\n"):
            chunk = sock.recv(1 << 16)
            assert chunk, "closed before the end of the banner"
            received += chunk
            assert len(received) <= expected
    assert len(received) == expected
    assert received.startswith(b"220 xxxx") and received.count(b"\n") == 1
    assert received[4:-2] == b"x" * (4 * 1024 * 1024)


def test_endless_continuation_respects_backpressure(lab: Lab) -> None:
    ep = lab.start("endless_continuation")
    with connect(ep) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        conn = LineSocket(sock)
        for _ in range(10_000):
            assert conn.read_line() == b"220-lab"
        # Stop reading. The server must pause (bounded buffer) rather than queue forever.
        assert _write_buffer_settles(lab, ep, limit=256 * 1024)
    assert ep.wait_idle()


def _write_buffer_settles(lab: Lab, ep: object, limit: int) -> bool:
    """Watch the server side's write buffer for 0.5 s: it must stay under limit throughout."""

    async def watch() -> bool:
        transports = list(ep._state.transports)  # type: ignore[attr-defined]
        assert len(transports) == 1
        deadline = asyncio.get_running_loop().time() + 0.5
        biggest = 0
        while asyncio.get_running_loop().time() < deadline:
            biggest = max(biggest, transports[0].get_write_buffer_size())
            await asyncio.sleep(0.01)
        return biggest < limit

    return lab._call(watch())


def test_garbage_is_binary_and_then_waits(lab: Lab) -> None:
    ep = lab.start("garbage")
    received = b""
    with connect(ep, timeout=1) as sock:
        while len(received) < 4096:
            chunk = sock.recv(4096)
            assert chunk
            received += chunk
        sock.settimeout(0.2)
        with pytest.raises(TimeoutError):
            sock.recv(1)
    assert len(received) == 4096 and received[:2] == b"\x00\xff"


def test_trickle_sends_one_byte_per_second(lab: Lab) -> None:
    ep = lab.start("trickle")
    with connect(ep) as sock:
        first = sock.recv(10)
        at_first = time.monotonic()
        second = sock.recv(10)
        gap = time.monotonic() - at_first
    assert (first, second) == (b"2", b"2")
    assert 0.8 <= gap < 2.0


def test_ehlo_10000_lines(lab: Lab) -> None:
    ep = lab.start("ehlo_10000")
    with connect(ep) as sock:
        conn = LineSocket(sock)
        assert conn.read_reply() == [GREETING]
        reply = conn.command("EHLO client.test", max_lines=20_000)
        assert reply[0] == b"250-lab.test" and reply[-1] == b"250 HELP"
        assert sum(line.startswith(b"250-X") for line in reply) == 9_999
        assert len(reply) == 10_001
        assert not any(b"STARTTLS" in line for line in reply)
        assert conn.command("QUIT") == [b"221 2.0.0 Bye"]


async def test_starttls_stripped_gets_no_credentials(lab: Lab) -> None:
    ep = lab.start("starttls_stripped")
    smtp = client(ep, lab)
    with pytest.raises(aiosmtplib.SMTPException, match="STARTTLS"):
        await smtp.connect()
    smtp.close()
    with connect(ep) as sock:
        conn = LineSocket(sock)
        conn.read_reply()
        ehlo = conn.command("EHLO client.test")
        assert b"250-AUTH PLAIN LOGIN" in ehlo and not any(b"STARTTLS" in line for line in ehlo)
        assert conn.command("AUTH LOGIN")[0].startswith(b"535")
    assert await asyncio.to_thread(ep.wait_idle)
    assert ep.auth_attempts == [AuthAttempt("LOGIN", None, encrypted=False)]


async def test_starttls_fails_with_454(lab: Lab) -> None:
    ep = lab.start("starttls_fails")
    smtp = client(ep, lab)
    with pytest.raises(aiosmtplib.SMTPResponseException) as failed:
        await smtp.connect()
    smtp.close()
    assert (failed.value.code, failed.value.message) == (
        454,
        "4.7.0 TLS not available due to local problem",
    )
    assert await asyncio.to_thread(ep.wait_idle)
    assert ep.auth_attempts == []


async def test_starttls_then_plain_never_handshakes(lab: Lab) -> None:
    ep = lab.start("starttls_then_plain")
    smtp = client(ep, lab)
    with pytest.raises((ssl.SSLError, aiosmtplib.SMTPException, OSError)):
        await smtp.connect()
    smtp.close()
    with connect(ep) as sock:
        conn = LineSocket(sock)
        conn.read_reply()
        assert conn.command("STARTTLS") == [b"220 2.0.0 Ready to start TLS"]
        assert conn.command(f"AUTH PLAIN {plain_b64('anna@lab.test', 'pw')}") == [b"250 ok"]
    assert await asyncio.to_thread(ep.wait_idle)
    assert ep.auth_attempts == [AuthAttempt("PLAIN", "anna@lab.test", encrypted=False)]
