"""A capability-level check of the incoming (IMAP/POP3) server: does it answer over TLS?

Whole-account exports (Thunderbird, Apple, Outlook) describe the incoming server too; this
makes sure what the user typed is a real, encrypted IMAP or POP3 server before we write it.
No credentials are sent.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass

from .net.network import close_stream
from .net.resolve import ResolveError, ResolverConfig, resolve_host
from .net.tlsinfo import make_client_context
from .servertext import printable
from .settings import IncomingProtocol, IncomingServer, Security

_GREETING = {IncomingProtocol.IMAP: b"* OK", IncomingProtocol.POP3: b"+OK"}
_STARTTLS = {IncomingProtocol.IMAP: b"a1 STARTTLS\r\n", IncomingProtocol.POP3: b"STLS\r\n"}
_STARTTLS_OK = {IncomingProtocol.IMAP: b"a1 OK", IncomingProtocol.POP3: b"+OK"}
_BYE = {IncomingProtocol.IMAP: b"a2 LOGOUT\r\n", IncomingProtocol.POP3: b"QUIT\r\n"}


@dataclass(frozen=True, slots=True)
class IncomingCheck:
    ok: bool
    message: str  # plain words


async def check_incoming(
    server: IncomingServer,
    *,
    ca_file: str | None = None,
    resolver: ResolverConfig | None = None,
    timeout: float = 10.0,
) -> IncomingCheck:
    name = "IMAP" if server.protocol is IncomingProtocol.IMAP else "POP3"
    if server.security is Security.NONE:
        return IncomingCheck(
            False,
            f"This {name} server setting is not encrypted: your password would travel readable. "
            "Choose SSL/TLS (port 993 for IMAP, 995 for POP3) or STARTTLS.",
        )
    try:
        async with asyncio.timeout(timeout):
            return await _check(server, name, ca_file, resolver or ResolverConfig(), timeout)
    except TimeoutError:
        return IncomingCheck(False, f"{server.host} did not answer on port {server.port} in time.")
    except ResolveError as exc:
        if exc.kind == "unavailable":
            return IncomingCheck(
                False,
                f"{server.host} could not be looked up: you seem to be offline ({exc.detail}).",
            )
        return IncomingCheck(False, f"{server.host} was not found ({exc.detail}).")
    except ssl.SSLCertVerificationError as exc:
        return IncomingCheck(
            False, f"{server.host}'s certificate could not be trusted ({exc.verify_message})."
        )
    except ssl.SSLError as exc:
        return IncomingCheck(
            False, f"No secure connection with {server.host} on port {server.port} ({exc.reason})."
        )
    except ConnectionRefusedError:
        return IncomingCheck(False, f"Nothing answers on port {server.port} of {server.host}.")
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
        return IncomingCheck(False, f"The connection to {server.host} failed ({exc}).")


async def _check(
    server: IncomingServer, name: str, ca_file: str | None, resolver: ResolverConfig, timeout: float
) -> IncomingCheck:
    resolution = await resolve_host(server.host, server.port, resolver, timeout)
    address = resolution.addresses[0]
    context = make_client_context(ca_file, pinned=False)
    implicit = server.security is Security.TLS
    reader, writer = await asyncio.open_connection(
        address,
        server.port,
        ssl=context if implicit else None,
        server_hostname=server.host if implicit else None,
        limit=8192,
    )
    try:
        greeting = await reader.readline()
        if not greeting.startswith(_GREETING[server.protocol]):
            return IncomingCheck(
                False,
                f"{server.host} port {server.port} does not answer like {_article(name)} server "
                f"({printable(greeting[:80]).strip() or 'no greeting'}).",
            )
        if not implicit:
            writer.write(_STARTTLS[server.protocol])
            await writer.drain()
            reply = await reader.readline()
            if not reply.startswith(_STARTTLS_OK[server.protocol]):
                return IncomingCheck(
                    False, f"{server.host} does not offer STARTTLS on port {server.port}."
                )
            await writer.start_tls(context, server_hostname=server.host)
        writer.write(_BYE[server.protocol])
        await writer.drain()
    finally:
        await close_stream(writer)
    how = "SSL/TLS" if implicit else "STARTTLS"
    return IncomingCheck(True, f"{name} server {server.host} answers securely ({how}).")


def _article(name: str) -> str:
    return f"an {name}" if name == "IMAP" else f"a {name}"
