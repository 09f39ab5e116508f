"""The incoming-server check against small real IMAP/POP3 servers with real TLS on loopback."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import trustme

from smtpwizard.core.incoming_check import check_incoming
from smtpwizard.core.settings import IncomingProtocol, IncomingServer, Security

CA = trustme.CA()
CERT = CA.issue_cert("localhost", "127.0.0.1")


def server_context() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    CERT.configure_cert(context)
    return context


@asynccontextmanager
async def mail_server(protocol: str, *, implicit: bool) -> AsyncIterator[int]:
    """IMAP or POP3 as far as a capability check goes: greeting, STARTTLS/STLS, goodbye."""
    greeting = b"* OK IMAP4rev1 ready\r\n" if protocol == "imap" else b"+OK POP3 ready\r\n"
    context = server_context()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(greeting)
            await writer.drain()
            while line := await reader.readline():
                verb = line.split()[-1].upper() if line.split() else b""
                if verb in (b"STARTTLS", b"STLS"):
                    writer.write(b"a1 OK Begin TLS\r\n" if protocol == "imap" else b"+OK\r\n")
                    await writer.drain()
                    await writer.start_tls(context)
                elif verb in (b"LOGOUT", b"QUIT"):
                    writer.write(b"* BYE\r\na2 OK\r\n" if protocol == "imap" else b"+OK bye\r\n")
                    await writer.drain()
                    break
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context if implicit else None)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


async def test_imap_over_tls_and_pop3_with_starttls(tmp_path) -> None:
    ca_file = tmp_path / "ca.pem"
    CA.cert_pem.write_to_path(str(ca_file))
    async with mail_server("imap", implicit=True) as port:
        server = IncomingServer(IncomingProtocol.IMAP, "localhost", port, Security.TLS)
        result = await check_incoming(server, ca_file=str(ca_file))
        assert result.ok, result.message
        assert "SSL/TLS" in result.message
    async with mail_server("pop3", implicit=False) as port:
        server = IncomingServer(IncomingProtocol.POP3, "localhost", port, Security.STARTTLS)
        result = await check_incoming(server, ca_file=str(ca_file))
        assert result.ok, result.message
        assert "STARTTLS" in result.message


async def test_untrusted_certificate_is_refused(tmp_path) -> None:
    async with mail_server("imap", implicit=True) as port:
        server = IncomingServer(IncomingProtocol.IMAP, "localhost", port, Security.TLS)
        result = await check_incoming(server)  # the test CA is not trusted here
        assert not result.ok
        assert "could not be trusted" in result.message


async def test_wrong_protocol_unencrypted_and_closed(tmp_path, lab) -> None:
    ca_file = tmp_path / "ca.pem"
    CA.cert_pem.write_to_path(str(ca_file))
    smtp = lab.start("starttls_ok")
    as_imap = IncomingServer(IncomingProtocol.IMAP, smtp.host, smtp.port, Security.STARTTLS)
    result = await check_incoming(as_imap, ca_file=str(ca_file))
    assert not result.ok and "does not answer like an IMAP server" in result.message
    plain = IncomingServer(IncomingProtocol.IMAP, "localhost", 143, Security.NONE)
    result = await check_incoming(plain)
    assert not result.ok and "not encrypted" in result.message
    closed = lab.start("closed")
    shut = IncomingServer(IncomingProtocol.POP3, closed.host, closed.port, Security.TLS)
    result = await check_incoming(shut, timeout=3)
    assert not result.ok and "Nothing answers" in result.message
