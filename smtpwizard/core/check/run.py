"""The live check: connect, secure, greet, sign in and optionally send, step by step, explained.

`run_check` is the one entry point. It never raises for a server problem: every outcome ends
in a CheckResult with a Diagnosis. It raises InputError for unusable input (before any network
traffic) and CancelledError when cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from contextlib import AbstractAsyncContextManager

import aiosmtplib

from .. import diagnosis as dx
from ..diagnosis import Diagnosis
from ..diagnosis.catalogue import CATALOGUE
from ..errors import InputError
from ..settings import Security, ServerSettings
from .auth import authenticate
from .connect import (
    Connection,
    connected_detail,
    find_addresses,
    open_connection,
    validate_for_wire,
)
from .failures import StepFailure
from .model import CheckOptions, CheckResult, ServerInfo, StepLimits, planned_steps
from .secure import implicit_tls_and_greeting, plain_greeting, starttls
from .send import send_test_message
from .session import CheckSession
from .steps import ProgressCallback, StepName, StepStatus
from .tracing_smtp import TracingSMTP

__all__ = [
    "CheckOptions",
    "CheckResult",
    "ServerInfo",
    "StepLimits",
    "planned_steps",
    "run_check",
    "validate_for_wire",
]


async def run_check(
    settings: ServerSettings,
    *,
    password: str | None = None,
    options: CheckOptions | None = None,
    progress: ProgressCallback | None = None,
    access_token: str | None = None,
    connection: Connection | None = None,
) -> CheckResult:
    """`access_token` (OAuth2) signs in with OAUTHBEARER/XOAUTH2 instead of `password`.

    `connection`: the server already found and connected to (connect.py, the probe's way);
    the check owns its socket and starts at its third step.
    """
    options = options or CheckOptions()
    validate_for_wire(settings, options, password)
    if access_token is not None and (
        not access_token.strip() or any(c in access_token for c in "\r\n\x00\x01 ")
    ):
        raise InputError("The access token is empty or has spaces or line breaks in it.", "token")
    if options.send_to and not (options.mail_from or (settings.username or "").count("@") == 1):
        raise InputError("To send a test message, give a sender address (--from).", "mail_from")
    run = CheckSession(settings, password, options, progress, access_token, connection)
    return await _execute(run)


async def _execute(run: CheckSession) -> CheckResult:
    diagnosis: Diagnosis
    try:
        # One event shows every step, all pending (the probe runs a dozen checks at once, and
        # an event per pending step was most of their progress bookkeeping).
        run.emit(next(iter(run.steps.values())))
        diagnosis = await _conversation(run)
    except StepFailure as failure:
        diagnosis = failure.diagnosis
        run.transcript.note(f"stopped: {diagnosis.code} ({diagnosis.technical})")
        await _after_failure(run, failure)
    finally:
        _close(run)
        await run.held.aclose()
    for step in run.steps.values():
        if step.status is StepStatus.PENDING:
            step.status = StepStatus.SKIPPED
    return CheckResult(
        settings=run.settings,
        steps=list(run.steps.values()),
        diagnosis=diagnosis,
        server=run.server,
        tls=run.tls,
        transcript=run.transcript.lines,
        duration=time.monotonic() - run.start,
        message_sent=run.message_sent,
        message_id=run.message_id if run.message_sent else None,
        certificate_seen=run.certificate_seen,
    )


def _close(run: CheckSession) -> None:
    if run.smtp is not None:
        run.smtp.close()  # at once, not politely: see AbortingSMTP
        run.smtp = None
    elif run.socket is not None:
        run.socket.close()  # connected, but still waiting for admission
    run.socket = None


async def _admitted(run: CheckSession, admission: AbstractAsyncContextManager[object]) -> None:
    """Wait for the caller to let the conversation begin; the wait is the caller's to bound.

    It does not count against the check's own time limit: a check that waited its turn still
    gets its whole time for the conversation.
    """
    began = time.monotonic()
    await run.held.enter_async_context(admission)
    run.deadline += time.monotonic() - began


async def _conversation(run: CheckSession) -> Diagnosis:
    settings = run.settings
    if run.socket is None:
        await _resolve_and_connect(run)
    sock = run.socket
    assert sock is not None
    if run.options.admission is not None:
        await _admitted(run, run.options.admission())

    run.smtp = TracingSMTP(
        run.transcript,
        # The socket is already connected (so 'connect' is a step of its own); the hostname
        # is what the certificate is verified against.
        hostname=settings.host,
        # Explicit modes only, never aiosmtplib's opportunistic default. For STARTTLS the
        # upgrade is done below as its own step and is mandatory (as start_tls=True would be):
        # no STARTTLS offered means we stop before anything else is sent.
        use_tls=settings.security is Security.TLS,
        start_tls=False,
        tls_context=run.tls_context,
        local_hostname=EHLO_NAME,
    )
    if settings.security is Security.TLS:
        await implicit_tls_and_greeting(run, sock)
    else:
        await plain_greeting(run, sock)

    async with run.step(StepName.EHLO, run.limits.command) as step:
        await run.smtp.ehlo()
        run.record_extensions()
        step.detail = run.extensions_summary()

    if settings.security is Security.STARTTLS:
        await starttls(run)
        async with run.step(StepName.EHLO_SECURE, run.limits.command) as step:
            await run.smtp.ehlo()
            run.record_extensions()
            step.detail = run.extensions_summary()

    if run.with_auth:
        await _authenticate(run)

    if run.options.send_to:
        await _send_test_message(run)

    encrypted = run.smtp.get_transport_info("sslcontext") is not None
    async with run.step(StepName.QUIT, run.limits.quit) as step:
        try:
            await run.smtp.quit()
            step.detail = "closed politely"
        except (aiosmtplib.SMTPException, OSError):
            step.detail = "the server closed the connection first (harmless)"
    explanation = CATALOGUE["ok"].explanation
    if not encrypted:
        # A security claim must never be false: nothing was encrypted.
        explanation = (
            "We connected to {host} on port {port} and the server accepted everything we asked, "
            "but the connection is not encrypted: "
            + (
                "your password and your messages cross the network readable by anyone in "
                "between (you allowed this for this server)."
                if run.context.signed_in
                else "your messages cross the network readable by anyone in between."
            )
        )
    if run.message_sent:
        explanation += " A short test message went to {send_to}; it should arrive within a minute."
    return dx.make("ok", run.context, explanation=explanation, send_to=run.options.send_to)


async def _resolve_and_connect(run: CheckSession) -> None:
    settings = run.settings
    async with run.step(StepName.RESOLVE, run.limits.resolve) as step:
        limit = run.limit(run.limits.resolve)
        resolution = await find_addresses(settings, run.options, run.context, limit)
        step.detail = resolution.how
    async with run.step(StepName.CONNECT, run.limits.connect) as step:
        run.socket, run.address = await open_connection(resolution, settings, run.context)
        run.server.address = run.address
        step.detail = connected_detail(run.address, settings.port)


async def _authenticate(run: CheckSession) -> None:
    assert run.smtp is not None
    async with run.step(StepName.AUTH, run.limits.auth) as step:
        step.detail = await authenticate(run, step)


async def _send_test_message(run: CheckSession) -> None:
    await send_test_message(run)


async def _after_failure(run: CheckSession, failure: StepFailure) -> None:
    """Leave politely when the conversation is still usable; never wait long for it."""
    if run.smtp is None or not run.smtp.is_connected:
        return
    if failure.name in (StepName.TLS, StepName.STARTTLS, StepName.GREETING):
        return
    with contextlib.suppress(Exception):
        async with asyncio.timeout(min(1.0, run.remaining() + 0.5)):
            await run.smtp.quit()


# What Thunderbird sends: a valid address literal that tells the server nothing about this
# machine (its LAN address or host name would be announced to every server we test).
EHLO_NAME = "[127.0.0.1]"
