"""Short side connections that help explain a failure; none of them ever sends credentials."""

from __future__ import annotations

import asyncio
import contextlib
import ssl

import aiosmtplib

from ..net.network import close_stream, open_stream
from ..net.tlsinfo import CertificateInfo, certificate_info, unverified_context
from ..servertext import printable
from ..settings import Security
from .tracing_smtp import AbortingSMTP


async def looks_like_implicit_tls(address: str, port: int, timeout: float) -> bool:
    """Does a TLS handshake succeed on a fresh connection? (A silent port may expect SSL/TLS.)"""
    try:
        _, writer = await open_stream(
            address, port, timeout, ssl=unverified_context(), ssl_handshake_timeout=timeout
        )
    except (OSError, TimeoutError, ssl.SSLError):
        return False
    await close_stream(writer)
    return True


async def reads_plain_greeting(address: str, port: int, timeout: float) -> str | None:
    """The first line a plaintext connection gets, when it is an SMTP 220 greeting."""
    try:
        reader, writer = await open_stream(address, port, timeout)
    except (OSError, TimeoutError):
        return None
    try:
        async with asyncio.timeout(timeout):
            line = await reader.readuntil(b"\n")
    except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None
    finally:
        await close_stream(writer)
    return printable(line.strip()) if line.startswith(b"220") else None


async def fetch_certificate(
    address: str, port: int, security: Security, tls_name: str, timeout: float
) -> CertificateInfo | None:
    """The certificate the server shows, without judging it, so we can explain what is wrong."""
    try:
        async with asyncio.timeout(timeout):
            if security is Security.TLS:
                return await _certificate_implicit(address, port, tls_name, timeout)
            return await _certificate_starttls(address, port, tls_name, timeout)
    except (OSError, TimeoutError, ssl.SSLError, aiosmtplib.SMTPException, ValueError):
        return None


async def _certificate_implicit(
    address: str, port: int, tls_name: str, timeout: float
) -> CertificateInfo | None:
    _, writer = await open_stream(
        address,
        port,
        timeout,
        ssl=unverified_context(),
        server_hostname=tls_name,
        ssl_handshake_timeout=timeout,
    )
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
        return certificate_info(der) if der else None
    finally:
        await close_stream(writer)


async def _certificate_starttls(
    address: str, port: int, tls_name: str, timeout: float
) -> CertificateInfo | None:
    # No timeout of its own (see TracingSMTP): fetch_certificate's asyncio.timeout bounds it.
    smtp = AbortingSMTP(
        hostname=address, port=port, start_tls=False, timeout=None, local_hostname="[127.0.0.1]"
    )
    try:
        await smtp.connect()
        await smtp.ehlo()
        await smtp.starttls(server_hostname=tls_name, tls_context=unverified_context())
        ssl_object = smtp.get_transport_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
        return certificate_info(der) if der else None
    finally:
        with contextlib.suppress(Exception):
            smtp.close()  # no goodbye on this side connection (see AbortingSMTP)
