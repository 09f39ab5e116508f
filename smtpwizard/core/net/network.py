"""Opening TCP connections ourselves, so 'connect' is a step of its own with its own deadline."""

from __future__ import annotations

import asyncio
import contextlib
import socket


async def open_tcp(
    addresses: tuple[str, ...], port: int
) -> tuple[socket.socket | None, str | None, list[OSError]]:
    """Try each address in turn; returns (socket, address) or (None, None) and the errors seen.

    The caller's deadline (asyncio.timeout) bounds the whole attempt; a cancelled attempt
    closes its socket.
    """
    loop = asyncio.get_running_loop()
    errors: list[OSError] = []
    for address in addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, (address, port))
        except OSError as exc:
            sock.close()
            errors.append(exc)
            continue
        except BaseException:
            sock.close()
            raise
        return sock, address, errors
    return None, None, errors


async def open_stream(
    address: str, port: int, timeout: float, **kwargs: object
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    async with asyncio.timeout(timeout):
        return await asyncio.open_connection(address, port, limit=4096, **kwargs)  # type: ignore[arg-type]


async def close_stream(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(Exception):
        async with asyncio.timeout(1.0):
            await writer.wait_closed()
