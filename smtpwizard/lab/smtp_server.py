"""Well-behaved lab servers: aiosmtpd's SMTP protocol with lab recording and provider replies."""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiosmtpd.smtp import (
    ALLOWED_BEFORE_STARTTLS,
    SMTP,
    AuthResult,
    Envelope,
    LoginPassword,
    Session,
    TLSSetupException,
)

from .records import AuthAttempt, EndpointState, ReceivedMessage

LAB_HOSTNAME = "lab.test"
LAB_IDENT = "ESMTP smtpwizard-lab"
MUST_STARTTLS = "530 5.7.0 Must issue a STARTTLS command first"
AUTH_NOT_SUPPORTED = "502 5.5.1 AUTH not supported"
DATA_SIZE_LIMIT = 10 * 1024 * 1024
_BUILT_IN_MECHANISMS = ("PLAIN", "LOGIN", "XOAUTH2")  # aiosmtpd's two plus LabHandler's refusal


class _KnownNoise(logging.Filter):
    """Drops aiosmtpd warnings about choices the lab makes on purpose."""

    _NOISE = ("Session.login_data is deprecated", "auth_required == True but auth_require_tls")

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self._NOISE)


logging.getLogger("mail.log").addFilter(_KnownNoise())
log = logging.getLogger(__name__)

# (login, address) -> reply that refuses it, or None to accept.
AddressRule = Callable[[str | None, str], str | None]
# (login, envelope) -> reply that refuses the message at the end of DATA, or None to accept.
DataRule = Callable[[str | None, Envelope], str | None]


@dataclass(frozen=True, slots=True)
class AuthPolicy:
    """How AUTH answers. The lab credentials succeed unless always_fail_with is set."""

    username: str
    password: str
    bad_credentials_reply: str | None = None  # None: aiosmtpd's "535 5.7.8 ... credentials invalid"
    always_fail_with: str | None = None  # a provider reply given to every attempt


@dataclass(frozen=True, slots=True)
class SmtpBehaviour:
    auth: AuthPolicy | None  # None: AUTH is never advertised and always refused
    require_starttls: bool = True
    implicit_tls: bool = False
    mechanisms: tuple[str, ...] = ("PLAIN", "LOGIN")
    mail_rule: AddressRule | None = None
    rcpt_rule: AddressRule | None = None
    data_rule: DataRule | None = None
    greeting: bytes | None = None  # replaces the whole first line (without CRLF)


def _login_of(session: Session) -> str | None:
    data = session.auth_data
    if isinstance(data, LoginPassword):
        return data.login.decode("utf-8", "replace")
    return None


class LabHandler:
    """aiosmtpd handler: envelope rules, message recording, XOAUTH2 refusal."""

    def __init__(self, state: EndpointState, behaviour: SmtpBehaviour) -> None:
        self.state = state
        self.behaviour = behaviour
        self._queued = 0

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname  # the 5-argument hook must do what aiosmtpd otherwise does
        if self.behaviour.auth is None:
            return [r for r in responses if not r[4:].upper().startswith("AUTH")]
        return responses

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        rule = self.behaviour.mail_rule
        refusal = rule(_login_of(session), address) if rule else None
        if refusal:
            return refusal
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        rule = self.behaviour.rcpt_rule
        refusal = rule(_login_of(session), address) if rule else None
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        rule = self.behaviour.data_rule
        refusal = rule(_login_of(session), envelope) if rule else None
        if refusal:
            return refusal
        self.state.record_message(
            ReceivedMessage(
                mail_from=envelope.mail_from or "",
                rcpt_tos=list(envelope.rcpt_tos),
                data=envelope.original_content or b"",
            )
        )
        self._queued += 1
        return f"250 2.0.0 Ok: queued as LAB{self._queued:05d}"

    async def handle_exception(self, error: Exception) -> str:
        if isinstance(error, TLSSetupException):
            # A client that rejects our certificate is what certificate scenarios are for.
            log.debug("lab: STARTTLS handshake failed: %r", error.__cause__)
        else:
            log.exception("lab: unexpected error in an SMTP session")
        return f"451 4.3.0 Lab server error: {type(error).__name__}"

    async def auth_XOAUTH2(self, server: LabSMTP, args: list[str]) -> AuthResult:
        if len(args) > 1:
            blob: Any = args[1].encode()
            try:
                blob = base64.b64decode(blob, validate=True)
            except binascii.Error:
                blob = b""
        else:
            blob = await server.challenge_auth("")
            if not isinstance(blob, bytes):
                return AuthResult(success=False, handled=True)
        for part in blob.split(b"\x01"):
            if part.startswith(b"user="):
                server.lab_auth_user = part[5:].decode("utf-8", "replace")
        return AuthResult(
            success=False,
            handled=False,
            message="535 5.7.8 Username and Password not accepted (OAuth2 token invalid)",
        )


def _make_authenticator(policy: AuthPolicy) -> Callable[..., AuthResult]:
    def authenticator(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        if isinstance(server, LabSMTP):
            server.lab_auth_user = login
        if policy.always_fail_with is not None:
            return AuthResult(success=False, handled=False, message=policy.always_fail_with)
        ok = login.casefold() == policy.username.casefold() and (
            auth_data.password == policy.password.encode()
        )
        if ok:
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False, message=policy.bad_credentials_reply)

    return authenticator


class LabSMTP(SMTP):
    """aiosmtpd's SMTP plus: every AUTH recorded, an RFC 3207 gate with enhanced code, greeting."""

    def __init__(
        self,
        state: EndpointState,
        behaviour: SmtpBehaviour,
        tls: Any,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        auth = behaviour.auth
        mechanisms = set(behaviour.mechanisms)
        with warnings.catch_warnings():
            # Implicit TLS and plaintext lab servers knowingly allow AUTH without STARTTLS.
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            super().__init__(
                LabHandler(state, behaviour),
                hostname=LAB_HOSTNAME,
                ident=LAB_IDENT,
                data_size_limit=DATA_SIZE_LIMIT,
                tls_context=None if behaviour.implicit_tls else tls,
                require_starttls=False,  # gated below, with the enhanced status code
                auth_required=auth is not None,
                auth_require_tls=behaviour.require_starttls,
                auth_exclude_mechanism=[m for m in _BUILT_IN_MECHANISMS if m not in mechanisms],
                authenticator=_make_authenticator(auth) if auth is not None else None,
                timeout=120,
                loop=loop,
            )
        self.lab_state = state
        self.lab_behaviour = behaviour
        self.lab_auth_user: str | None = None
        self._greeted = False
        if behaviour.require_starttls and tls is not None and not behaviour.implicit_tls:
            for name, method in list(self._smtp_methods.items()):
                if name not in ALLOWED_BEFORE_STARTTLS:
                    self._smtp_methods[name] = self._gated(name, method)

    def _gated(
        self, name: str, method: Callable[[str | None], Awaitable[None]]
    ) -> Callable[[str | None], Awaitable[None]]:
        async def gated(arg: str | None) -> None:
            if self._tls_protocol is None:
                if name == "AUTH":
                    self._record_auth(arg)
                await self.push(MUST_STARTTLS)
                return
            await method(arg)

        return gated

    def connection_lost(self, error: Exception | None) -> None:
        # asyncio's SSLProtocol reports a loss even when the client left mid-handshake,
        # before this protocol ever saw connection_made (aiosmtpd would assert on it).
        if self.session is None:
            return
        super().connection_lost(error)

    @property
    def encrypted(self) -> bool:
        transport = self.transport
        return transport is not None and transport.get_extra_info("ssl_object") is not None

    def _record_auth(self, arg: str | None) -> None:
        words = (arg or "").split()
        mechanism = words[0].upper() if words else ""
        username = self.lab_auth_user
        if username is None and len(words) > 1:
            username = _username_from_initial_response(mechanism, words[1])
        self.lab_state.record_auth(AuthAttempt(mechanism, username, self.encrypted))

    async def smtp_AUTH(self, arg: str) -> None:
        self.lab_auth_user = None
        try:
            if self.lab_behaviour.auth is None:
                await self.push(AUTH_NOT_SUPPORTED)
                return
            await super().smtp_AUTH(arg)
        finally:
            self._record_auth(arg)

    async def push(self, status: Any) -> None:
        if not self._greeted:
            self._greeted = True
            if self.lab_behaviour.greeting is not None:
                status = self.lab_behaviour.greeting
        await super().push(status)


def _username_from_initial_response(mechanism: str, blob: str) -> str | None:
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        return None
    if mechanism == "PLAIN":
        parts = raw.split(b"\x00")
        return parts[1].decode("utf-8", "replace") if len(parts) == 3 else None
    if mechanism == "LOGIN":
        return raw.decode("utf-8", "replace")
    return None
