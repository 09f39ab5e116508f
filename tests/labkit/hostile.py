"""Hostile and broken servers written on raw asyncio streams.

Each handler keeps its own memory bounded (lines are cut at MAX_LINE, big replies are written
with drain() so the transport's flow control applies) and returns or is cancelled cleanly.
Every AUTH line any of them receives is recorded (encrypted=False) so tests can assert none came.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import os
from collections.abc import Callable, Coroutine
from typing import Any

from smtpwizard.lab.lab import MAX_LINE
from smtpwizard.lab.records import AuthAttempt, EndpointState
from smtpwizard.lab.scenarios import RawHandler

GREETING = b"220 lab.test ESMTP smtpwizard-lab\r\n"
BUSY = b"421 4.3.2 Service not available, closing transmission channel\r\n"
HUGE_BANNER_BYTES = 4 * 1024 * 1024
EHLO_LINES = 10_000
SLOW_GREETING_DELAY = 3.0
TRICKLE_INTERVAL = 1.0
STARTTLS_FAILS = "454 4.7.0 TLS not available due to local problem"
STARTTLS_READY = "220 2.0.0 Ready to start TLS"
AUTH_REFUSED = "535 5.7.8 Authentication credentials invalid"


async def read_line(reader: asyncio.StreamReader) -> bytes | None:
    """The next line without its line ending, cut to MAX_LINE bytes; None at end of input."""
    head = b""
    while True:
        try:
            line = await reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as eof:
            if not eof.partial and not head:
                return None
            line = eof.partial
        except asyncio.LimitOverrunError as long:
            # Drop the excess instead of buffering it: a client cannot make us grow.
            chunk = await reader.read(long.consumed)
            head += chunk[: max(0, MAX_LINE - len(head))]
            continue
        return (head + line)[:MAX_LINE].rstrip(b"\r\n")


def note_auth(line: bytes, state: EndpointState) -> None:
    words = line.split()
    if not words or words[0].upper() != b"AUTH":
        return
    mechanism = words[1].decode("ascii", "replace").upper() if len(words) > 1 else ""
    username = None
    if len(words) > 2:
        try:
            raw = base64.b64decode(words[2], validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        parts = raw.split(b"\x00")
        if mechanism == "PLAIN" and len(parts) == 3:
            username = parts[1].decode("utf-8", "replace")
        elif mechanism == "LOGIN" and raw:
            username = raw.decode("utf-8", "replace")
    state.record_auth(AuthAttempt(mechanism, username, encrypted=False))


async def drain_input(reader: asyncio.StreamReader, state: EndpointState) -> None:
    """Read and discard everything until the client goes, noting AUTH lines."""
    while (line := await read_line(reader)) is not None:
        note_auth(line, state)


async def send(writer: asyncio.StreamWriter, *lines: str) -> None:
    writer.write(b"".join(line.encode("ascii") + b"\r\n" for line in lines))
    await writer.drain()


async def mini_smtp(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    state: EndpointState,
    ehlo: list[str],
    starttls: Callable[[], Coroutine[Any, Any, bool]] | None = None,
) -> None:
    """A few commands of plaintext SMTP; starttls() returns True if it took the connection over."""
    while (line := await read_line(reader)) is not None:
        verb = line.split(b" ", 1)[0].upper()
        if verb == b"EHLO":
            await send(writer, *[f"250-{x}" for x in ehlo[:-1]], f"250 {ehlo[-1]}")
        elif verb == b"HELO":
            await send(writer, "250 lab.test")
        elif verb == b"QUIT":
            await send(writer, "221 2.0.0 Bye")
            return
        elif verb == b"AUTH":
            note_auth(line, state)
            await send(writer, AUTH_REFUSED)
        elif verb == b"STARTTLS" and starttls is not None:
            if await starttls():
                return
        elif verb in (b"NOOP", b"RSET"):
            await send(writer, "250 2.0.0 Ok")
        else:
            await send(writer, "502 5.5.1 Command not implemented")


async def silent(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, st: EndpointState
) -> None:
    await drain_input(reader, st)


async def mute_after_greeting(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, st: EndpointState
) -> None:
    await send(writer, GREETING.decode().rstrip())
    await drain_input(reader, st)  # reads every command, answers none


async def busy(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, st: EndpointState
) -> None:
    writer.write(BUSY)
    await writer.drain()


async def huge_banner(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, st: EndpointState
) -> None:
    writer.write(b"220 ")
    chunk = b"x" * 65536
    for _ in range(HUGE_BANNER_BYTES // len(chunk)):
        writer.write(chunk)
        await writer.drain()
    writer.write(b"\r\n")
    await writer.drain()
    await drain_input(reader, st)


async def endless_continuation(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, st: EndpointState
) -> None:
    async def flood() -> None:
        block = b"220-lab\r\n" * 1024
        while not writer.is_closing():
            writer.write(block)
            await writer.drain()  # waits while the client is not reading: bounded buffer

    flooding = asyncio.ensure_future(flood())
    try:
        await drain_input(reader, st)
    finally:
        flooding.cancel()
        await asyncio.gather(flooding, return_exceptions=True)


async def garbage(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, st: EndpointState
) -> None:
    # Starts with bytes no SMTP reply can start with, so it is never mistaken for a greeting.
    writer.write(b"\x00\xff" + os.urandom(4094))
    await writer.drain()
    await drain_input(reader, st)


async def trickle(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, st: EndpointState
) -> None:
    for i in range(len(GREETING)):
        writer.write(GREETING[i : i + 1])
        await writer.drain()
        if i + 1 < len(GREETING):
            await asyncio.sleep(TRICKLE_INTERVAL)  # the pace is the behaviour under test
    await mini_smtp(reader, writer, st, ["lab.test", "8BITMIME"])


async def slow_greeter(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, st: EndpointState
) -> None:
    await asyncio.sleep(SLOW_GREETING_DELAY)  # the delay is the behaviour under test
    writer.write(GREETING)
    await writer.drain()
    await mini_smtp(reader, writer, st, ["lab.test", "8BITMIME", "AUTH PLAIN LOGIN"])


async def ehlo_10000(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, st: EndpointState
) -> None:
    writer.write(GREETING)
    lines = ["lab.test", *(f"X-LAB-EXTENSION-{i:05d}" for i in range(1, EHLO_LINES)), "HELP"]
    await mini_smtp(reader, writer, st, lines)


async def starttls_stripped(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, st: EndpointState
) -> None:
    writer.write(GREETING)
    await mini_smtp(reader, writer, st, ["lab.test", "8BITMIME", "AUTH PLAIN LOGIN", "HELP"])


async def starttls_fails(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, st: EndpointState
) -> None:
    async def refuse() -> bool:
        await send(writer, STARTTLS_FAILS)
        return False

    writer.write(GREETING)
    ehlo = ["lab.test", "8BITMIME", "STARTTLS", "AUTH PLAIN LOGIN", "HELP"]
    await mini_smtp(reader, writer, st, ehlo, starttls=refuse)


async def starttls_then_plain(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, st: EndpointState
) -> None:
    async def pretend() -> bool:
        await send(writer, STARTTLS_READY)
        # No handshake: whatever arrives (a TLS ClientHello, commands) gets a plaintext answer.
        while data := await reader.read(MAX_LINE):
            for line in data.splitlines():
                note_auth(line, st)
            await send(writer, "250 ok")
        return True

    writer.write(GREETING)
    ehlo = ["lab.test", "8BITMIME", "STARTTLS", "AUTH PLAIN LOGIN", "HELP"]
    await mini_smtp(reader, writer, st, ehlo, starttls=pretend)


RAW_HANDLERS: dict[str, RawHandler] = {
    "busy": busy,
    "silent": silent,
    "mute_after_greeting": mute_after_greeting,
    "slow_greeter": slow_greeter,
    "huge_banner": huge_banner,
    "endless_continuation": endless_continuation,
    "garbage": garbage,
    "trickle": trickle,
    "ehlo_10000": ehlo_10000,
    "starttls_stripped": starttls_stripped,
    "starttls_fails": starttls_fails,
    "starttls_then_plain": starttls_then_plain,
}
