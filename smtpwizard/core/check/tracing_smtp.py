"""aiosmtplib's client, recording every command and reply into a redacted Transcript."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import aiosmtplib
from aiosmtplib.response import SMTPResponse

from .transcript import REDACTED, Transcript

_AUTH_CONTINUE = 334


class AbortingSMTP(aiosmtplib.SMTP):
    """aiosmtplib's client whose close() drops the connection at once.

    aiosmtplib's close() (after QUIT, too) closes a TLS connection politely: it sends
    close_notify and then waits, up to 30 s, for the server's, and only then closes the socket.
    A check has said all it will by then; an asyncio.run that ended meanwhile left that socket
    open until garbage collection (tests/discovery/conftest.py's leak check saw it in CI).
    """

    def close(self) -> None:
        if isinstance(self.transport, asyncio.Transport):
            self.transport.abort()  # a TLS transport aborts the socket under it too
        super().close()


class TracingSMTP(AbortingSMTP):
    """Never given a timeout of its own: every command runs inside a step's asyncio.timeout.

    aiosmtplib bounds a command with asyncio.wait_for when it has a timeout, and Python 3.11's
    wait_for swallows a cancellation that arrives as the awaited reply completes (fixed in
    3.12, gh-86296): a check stopped by Cancel, Back or a probe that no longer needs it would
    go on, sign in and send. With no timeout aiosmtplib awaits the reply directly, and
    CheckSession.step also stops at the next step once a cancellation was asked for.
    """

    def __init__(self, transcript: Transcript, **kwargs: Any) -> None:
        super().__init__(**kwargs, timeout=None)
        self.transcript = transcript
        # Inside an AUTH exchange every line we send is a credential, whatever the mechanism.
        self._in_auth = False

    async def execute_command(self, *args: bytes, **kwargs: Any) -> SMTPResponse:
        self.transcript.client(self._describe(args))
        try:
            response: SMTPResponse = await super().execute_command(*args, **kwargs)
        except aiosmtplib.SMTPException as exc:
            self._in_auth = False
            self.transcript.note(f"no answer: {exc}")
            raise
        self._in_auth = self._in_auth and response.code == _AUTH_CONTINUE
        if args and args[0].upper() == b"AUTH" and response.code == _AUTH_CONTINUE:
            self._in_auth = True
        # Scrubbed where it arrives: every error and diagnosis built from this reply is too.
        response = SMTPResponse(response.code, self.transcript.scrub(response.message))
        self.transcript.server(response.code, response.message)
        return response

    def _describe(self, args: tuple[bytes, ...]) -> str:
        if self._in_auth:
            return REDACTED
        if args and args[0].upper() == b"AUTH":
            shown = [a.decode("ascii", "replace") for a in args[:2]]
            if len(args) > 2:
                shown.append(REDACTED)
            return " ".join(shown)
        return b" ".join(args).decode("utf-8", "replace")

    async def traced_starttls(
        self, *, server_hostname: str, tls_context: ssl.SSLContext
    ) -> SMTPResponse:
        # aiosmtplib sends STARTTLS below execute_command, so it is recorded here.
        self.transcript.client("STARTTLS")
        # A failed handshake (a refused certificate, a reset) leaves self.transport the plain
        # one: the check's close() aborts it (AbortingSMTP).
        try:
            response = await self.starttls(server_hostname=server_hostname, tls_context=tls_context)
        except aiosmtplib.SMTPResponseException as exc:
            self.transcript.server(exc.code, exc.message)
            raise
        self.transcript.server(response.code, response.message)
        return response

    async def traced_data(self, message: bytes) -> SMTPResponse:
        self.transcript.client("DATA")
        self.transcript.note(f"(the test message, {len(message)} bytes)")
        try:
            response = await self.data(message)
        except aiosmtplib.SMTPResponseException as exc:
            scrubbed = self.transcript.scrub(exc.message)
            self.transcript.server(exc.code, scrubbed)
            raise type(exc)(exc.code, scrubbed) from None
        response = SMTPResponse(response.code, self.transcript.scrub(response.message))
        self.transcript.server(response.code, response.message)
        return response
