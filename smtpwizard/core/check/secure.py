"""Securing the connection and the greeting: implicit TLS or STARTTLS, certificates, pins.

Split from check.py; these functions drive one CheckSession. They also notice a port that expects
the other kind of encryption (both ways) and look at a certificate that failed verification.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from typing import Any

import aiosmtplib

from .. import diagnosis as dx
from ..diagnosis import Diagnosis
from ..net.tlsinfo import tls_info_from
from ..servertext import printable
from .failures import StepFailure, classify_exception
from .session import CheckSession
from .side_probes import fetch_certificate, looks_like_implicit_tls, reads_plain_greeting
from .steps import StepName, StepResult, StepStatus


async def implicit_tls_and_greeting(run: CheckSession, sock: Any) -> None:
    assert run.smtp is not None
    async with run.step(StepName.TLS, run.limits.tls) as step:
        try:
            greeting = await run.smtp.connect(sock=sock)
        except aiosmtplib.SMTPConnectResponseError as exc:
            note_tls(run, step)
            raise StepFailure(
                StepName.GREETING,
                dx.classify_reply("greeting", exc.code, exc.message, run.context),
            ) from exc
        except aiosmtplib.SMTPConnectError as exc:
            await raise_tls_connect_failure(run, exc)
        note_tls(run, step)
    greeting_step = run.steps[StepName.GREETING]
    greeting_step.status = StepStatus.OK
    greeting_step.duration = 0.0
    greeting_step.detail = record_greeting(run, greeting)
    run.emit(greeting_step)


async def raise_tls_connect_failure(run: CheckSession, exc: aiosmtplib.SMTPConnectError) -> None:
    cause = exc.__cause__
    if isinstance(cause, ssl.SSLError) and not isinstance(cause, ssl.SSLCertVerificationError):
        reason = (cause.reason or "").upper()
        if reason in (
            "WRONG_VERSION_NUMBER",
            "UNKNOWN_PROTOCOL",
            "RECORD_LAYER_FAILURE",
            "HTTP_REQUEST",
        ):
            # A TLS hello answered in plain text: confirm it is an SMTP greeting.
            plain = await reads_plain_greeting(run.address or "", run.settings.port, run.limit(3.0))
            if plain:
                run.transcript.note("the port answered our TLS hello in plain text: " + plain)
                raise StepFailure(
                    StepName.TLS,
                    dx.make(
                        "wrong_security",
                        run.context,
                        step="tls",
                        suggestion={"security": "starttls"},
                        explanation=(
                            "Port {port} on {host} starts unencrypted and switches to "
                            "encryption with STARTTLS, but the chosen setting was SSL/TLS, "
                            "which encrypts from the very first byte."
                        ),
                        technical=str(cause),
                    ),
                ) from exc
    failure = classify_exception(StepName.TLS, exc, run.context)
    if failure.code.startswith("cert_"):
        failure = await certificate_failure(run, StepName.TLS, failure)
    raise StepFailure(StepName.TLS, failure) from exc


async def plain_greeting(run: CheckSession, sock: Any) -> None:
    assert run.smtp is not None
    async with run.step(StepName.GREETING, run.limits.greeting) as step:
        connect = asyncio.ensure_future(run.smtp.connect(sock=sock))
        sniff: asyncio.Task[bool] | None = None
        try:
            first: set[asyncio.Future[Any]] = {connect}
            done, _ = await asyncio.wait(first, timeout=run.limits.silent_greeting)
            if not done:
                run.transcript.note("the server is silent; checking whether it expects SSL/TLS")
                sniff = asyncio.create_task(
                    looks_like_implicit_tls(run.address or "", run.settings.port, run.limit(3.0))
                )
                done, _ = await asyncio.wait({connect, sniff}, return_when=asyncio.FIRST_COMPLETED)
                if connect not in done and sniff in done and sniff.result():
                    raise StepFailure(
                        StepName.GREETING,
                        dx.make(
                            "wrong_security",
                            run.context,
                            step="greeting",
                            suggestion={"security": "tls"},
                            explanation=(
                                "Port {port} on {host} expects encryption from the very first "
                                "byte (SSL/TLS), so it stays silent while waiting for it. The "
                                "chosen setting was {security}."
                            ),
                            technical="silent greeting; TLS on a 2nd connection worked",
                        ),
                    )
                if connect not in done and sniff in done:
                    run.transcript.note("not SSL/TLS either; still waiting for the greeting")
            greeting = await connect
        except aiosmtplib.SMTPConnectResponseError as exc:
            raise StepFailure(
                StepName.GREETING,
                dx.classify_reply("greeting", exc.code, exc.message, run.context),
            ) from exc
        finally:
            for task in (connect, sniff):
                if task is not None and not task.done():
                    task.cancel()
                    with contextlib.suppress(BaseException):
                        await task
        step.detail = record_greeting(run, greeting)


def record_greeting(run: CheckSession, greeting: aiosmtplib.SMTPResponse) -> str:
    run.server.banner = printable(greeting.message)
    run.transcript.server(greeting.code, greeting.message)
    return dx.shorten(f"{greeting.code} {run.server.banner}", 120)


def note_tls(run: CheckSession, step: StepResult) -> None:
    assert run.smtp is not None
    ssl_object = run.smtp.get_transport_info("ssl_object")
    run.tls = tls_info_from(ssl_object, pinned=run.pinned)
    if run.tls is None:
        return
    if run.pinned:
        check_pin(run, step.name)
    cert = run.tls.certificate
    step.detail = f"{run.tls.version}, {run.tls.cipher}"
    if cert is not None:
        step.detail += f"; certificate for {', '.join(cert.san_names[:3]) or cert.subject}"
    run.transcript.note(f"secured: {step.detail}")


def check_pin(run: CheckSession, name: StepName) -> None:
    assert run.tls is not None
    cert = run.tls.certificate
    seen = cert.fingerprint_sha256 if cert else "none"
    if seen != run.settings.trusted_fingerprint:
        if cert is not None:
            run.certificate_seen = cert.to_dict()
        raise StepFailure(
            name,
            dx.make(
                "cert_changed",
                run.context,
                step=name.value,
                fingerprint=cert.fingerprint_display if cert else "none",
                suggestion={"trusted_fingerprint": seen} if cert else None,
                needs_consent=True,
                technical=f"pinned {run.settings.trusted_fingerprint}, got {seen}",
            ),
        )


async def starttls(run: CheckSession) -> None:
    assert run.smtp is not None
    async with run.step(StepName.STARTTLS, run.limits.tls) as step:
        if not run.smtp.supports_extension("starttls"):
            raise StepFailure(
                StepName.STARTTLS,
                dx.make(
                    "starttls_unavailable",
                    run.context,
                    step="starttls",
                    technical="STARTTLS is not in the server's EHLO reply",
                ),
            )
        try:
            await run.smtp.traced_starttls(
                server_hostname=run.settings.host,
                tls_context=run.tls_context,
            )
        except aiosmtplib.SMTPResponseException as exc:
            raise StepFailure(
                StepName.STARTTLS,
                dx.make(
                    "starttls_unavailable",
                    run.context,
                    step="starttls",
                    explanation=(
                        "{host} offered encryption (STARTTLS) but then refused to start it "
                        '("{reply}"). We stopped before signing in.'
                    ),
                    fix="Try port 465 with SSL/TLS, or try again later: the server may have a "
                    "temporary problem.",
                    reply=f"{exc.code} {exc.message}",
                    technical=f"{exc.code} {exc.message}",
                ),
            ) from exc
        except (ssl.SSLError, aiosmtplib.SMTPException, OSError) as exc:
            failure = classify_exception(StepName.STARTTLS, exc, run.context)
            if failure.code.startswith("cert_"):
                failure = await certificate_failure(run, StepName.STARTTLS, failure)
            raise StepFailure(StepName.STARTTLS, failure) from exc
        note_tls(run, step)


async def certificate_failure(run: CheckSession, name: StepName, failure: Diagnosis) -> Diagnosis:
    """Look at the certificate that failed (on a new connection) so we can show and suggest."""
    cert = await fetch_certificate(
        run.address or run.settings.host,
        run.settings.port,
        run.settings.security,
        run.settings.host,
        run.limit(5.0),
    )
    if cert is None:
        return failure
    run.certificate_seen = cert.to_dict()
    run.transcript.note(
        f"certificate: subject {cert.subject}, issuer {cert.issuer}, names "
        f"{', '.join(cert.san_names) or '(none)'}, valid until {cert.not_after:%Y-%m-%d}, "
        f"SHA-256 {cert.fingerprint_display}"
    )
    common: dict[str, Any] = {"step": name.value, "technical": failure.technical}
    if failure.code == "cert_hostname_mismatch" and not cert.san_names:
        return dx.make("cert_no_san", run.context, subject=cert.subject, **common)
    if failure.code == "cert_hostname_mismatch":
        names = [n for n in cert.san_names if not n.startswith("*.")]
        shown = ", ".join(cert.san_names) or cert.subject
        stranger = None
        if names:
            # Only here: it loads the provider table and discovery's DNS client, which a
            # check that goes well never needs (tests/cli/test_cli_imports.py).
            from ..organisations import judge_host_change

            stranger = await judge_host_change(
                names[0],
                old_host=run.settings.host,
                email=run.settings.username,
                dns_server=run.options.resolver.dns_server,
                timeout=run.limit(2.0),
            )
        if stranger is not None:
            # The certificate's name is another organisation's: never a one-click fix.
            fix = (
                "Ask your provider which server name to use. Do not switch to "
                f"{stranger.host} unless they tell you to."
            )
        elif names:
            fix = f"Use {names[0]} as the server name instead."
        else:
            fix = "Ask your provider which server name matches its certificate (" + shown + ")."
        return dx.make(
            "cert_hostname_mismatch",
            run.context,
            names=shown,
            suggestion={"host": names[0]} if names else None,
            needs_consent=stranger is not None,
            explanation=(
                "The server's certificate is valid for {names}, not for {host}: it belongs to "
                f"another organisation ({stranger.host_domain})."
                if stranger
                else None
            ),
            warning=stranger.warning() if stranger else "",
            consent=stranger.consent_words() if stranger else "",
            fix=fix,
            **common,
        )
    if failure.code == "cert_expired":
        return dx.make(
            "cert_expired", run.context, not_after=f"{cert.not_after:%d %B %Y}", **common
        )
    if failure.code == "cert_untrusted":
        return dx.make(
            "cert_untrusted",
            run.context,
            suggestion={"trusted_fingerprint": cert.fingerprint_sha256},
            needs_consent=True,
            fingerprint=cert.fingerprint_display,
            **common,
        )
    return failure
