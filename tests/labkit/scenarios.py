"""The tests' catalogue of lab scenarios: what each server is, what security it is for, how it acts.

The demo's two good servers come from smtpwizard.lab.scenarios; everything else here only tests use.
"""

from __future__ import annotations

from email.parser import BytesHeaderParser
from email.utils import getaddresses

from aiosmtpd.smtp import Envelope

from smtpwizard.core.settings import Security
from smtpwizard.lab.certs import CertKind
from smtpwizard.lab.scenarios import (
    DEMO_SCENARIOS,
    BehaviourFactory,
    Credentials,
    Scenario,
    auth_policy,
    starttls_behaviour,
)
from smtpwizard.lab.smtp_server import AuthPolicy, SmtpBehaviour
from tests.labkit.hostile import RAW_HANDLERS

GMAIL_SECOND_FACTOR_REPLY = (
    "534-5.7.9 Application-specific password required. Learn more at\r\n"
    "534 5.7.9 https://support.google.com/mail/?p=InvalidSecondFactor"
)
M365_AUTH_DISABLED = (
    "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. "
    "Visit https://aka.ms/smtp_auth_disabled for more information."
)
M365_BASIC_AUTH_OFF = "550 5.7.30 Basic authentication is not supported for Client Submission."
CPANEL_BAD_AUTH = "535 Incorrect authentication data"
SPAM_REJECTED = "554 5.7.1 Message rejected as spam"


def _auth(creds: Credentials, **kw: str) -> AuthPolicy:
    return auth_policy(creds, **kw)


_starttls = starttls_behaviour


def _provider(reply: str) -> BehaviourFactory:
    return lambda c: SmtpBehaviour(auth=_auth(c, always_fail_with=reply))


def _relay_denied(c: Credentials) -> SmtpBehaviour:
    def rule(login: str | None, address: str) -> str | None:
        if address.rpartition("@")[2].casefold() == c.domain:
            return None
        return f"554 5.7.1 <{address}>: Relay access denied"

    return _starttls(c, rcpt_rule=rule)


def _sender_rejected(c: Credentials) -> SmtpBehaviour:
    def rule(login: str | None, address: str) -> str | None:
        if login is not None and address.casefold() == login.casefold():
            return None
        return f"553 5.7.1 <{address}>: Sender address rejected: not owned by user {login}"

    return _starttls(c, mail_rule=rule)


def _sendas_denied(c: Credentials) -> SmtpBehaviour:
    def rule(login: str | None, envelope: Envelope) -> str | None:
        # Like Exchange Online: both the envelope sender and the From: header must be the login.
        headers = BytesHeaderParser().parsebytes(envelope.original_content or b"")
        senders = [envelope.mail_from or ""]
        senders += [addr for _, addr in getaddresses(headers.get_all("From", []))]
        for sender in senders:
            if login is None or sender.casefold() != login.casefold():
                return f"554 5.2.252 SendAsDenied; {login} not allowed to send as {sender}"
        return None

    return _starttls(c, data_rule=rule)


def _recipient_rejected(c: Credentials) -> SmtpBehaviour:
    def rule(login: str | None, address: str) -> str:
        return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"

    return _starttls(c, rcpt_rule=rule)


_LAB_UTF8_GREETING = b"220 lab.test \xff\xfe\xc3\x28 ESMTP"

_S, _T, _N = Security.STARTTLS, Security.TLS, Security.NONE
_GOOD = CertKind.GOOD


def _good(description: str, factory: BehaviourFactory, security: Security = _S) -> Scenario:
    return Scenario(description, security, _GOOD, smtp=factory, credentials_work=True)


def _hostile(description: str, name: str, security: Security = _S) -> Scenario:
    return Scenario(description, security, raw=RAW_HANDLERS[name])


def _cert(description: str, kind: CertKind, security: Security = _S) -> Scenario:
    if security is _T:
        factory: BehaviourFactory = lambda c: SmtpBehaviour(  # noqa: E731
            auth=_auth(c), require_starttls=False, implicit_tls=True
        )
    else:
        factory = _starttls
    return Scenario(description, security, kind, smtp=factory, credentials_work=True)


SCENARIO_SPECS: dict[str, Scenario] = {
    # ---- good servers ----
    **DEMO_SCENARIOS,
    "plain_ok": Scenario(
        "No TLS at all; AUTH PLAIN LOGIN offered in plaintext; accepts mail.",
        _N,
        smtp=lambda c: SmtpBehaviour(auth=_auth(c), require_starttls=False),
        credentials_work=True,
    ),
    "relay_open_noauth": Scenario(
        "STARTTLS, no AUTH advertised (an IP-allowlisted relay); accepts mail without login.",
        _S,
        _GOOD,
        smtp=lambda c: SmtpBehaviour(auth=None),
    ),
    # ---- provider replies to AUTH ----
    "gmail_app_password": Scenario(
        "Gmail: every login gets 534-5.7.9 Application-specific password required.",
        _S,
        _GOOD,
        smtp=_provider(GMAIL_SECOND_FACTOR_REPLY),
    ),
    "m365_auth_disabled": Scenario(
        "Microsoft 365: 535 5.7.139 SmtpClientAuthentication is disabled for the Tenant.",
        _S,
        _GOOD,
        smtp=_provider(M365_AUTH_DISABLED),
    ),
    "m365_basic_auth_off": Scenario(
        "Microsoft 365: 550 5.7.30 Basic authentication is not supported for Client Submission.",
        _S,
        _GOOD,
        smtp=_provider(M365_BASIC_AUTH_OFF),
    ),
    "cpanel": _good(
        "cPanel/Exim: 535 Incorrect authentication data unless the full address + password.",
        lambda c: SmtpBehaviour(auth=_auth(c, bad_credentials_reply=CPANEL_BAD_AUTH)),
    ),
    "oauth_only": Scenario(
        "Advertises only AUTH XOAUTH2 (no PLAIN/LOGIN); every XOAUTH2 attempt is refused.",
        _S,
        _GOOD,
        smtp=lambda c: SmtpBehaviour(auth=_auth(c), mechanisms=("XOAUTH2",)),
    ),
    "no_auth_after_tls": Scenario(
        "STARTTLS works but no AUTH is advertised after it; any AUTH gets 502.",
        _S,
        _GOOD,
        smtp=lambda c: SmtpBehaviour(auth=None),
    ),
    # ---- envelope replies (STARTTLS + AUTH ok) ----
    "relay_denied": _good(
        "RCPT TO outside the login's domain: 554 5.7.1 Relay access denied.", _relay_denied
    ),
    "sender_rejected": _good(
        "MAIL FROM other than the login: 553 5.7.1 Sender address rejected.", _sender_rejected
    ),
    "sendas_denied": _good(
        "End of DATA when MAIL FROM or From: is not the login: 554 5.2.252 SendAsDenied.",
        _sendas_denied,
    ),
    "recipient_rejected": _good(
        "Every RCPT TO: 550 5.1.1 Recipient address rejected.", _recipient_rejected
    ),
    "message_rejected": _good(
        "End of DATA: 554 5.7.1 Message rejected as spam.",
        lambda c: _starttls(c, data_rule=lambda login, envelope: SPAM_REJECTED),
    ),
    "busy": _hostile("Greets with 421 4.3.2 Service not available, then closes.", "busy"),
    # ---- certificates ----
    "self_signed": _cert(
        "STARTTLS with a self-signed certificate (not from the lab CA).", CertKind.SELF_SIGNED
    ),
    "hostname_mismatch": _cert(
        "STARTTLS; lab-CA certificate only for box123.lab-hosting.test.", CertKind.MISMATCH
    ),
    "expired": _cert(
        "STARTTLS; lab-CA certificate for localhost that expired yesterday.", CertKind.EXPIRED
    ),
    "self_signed_tls": _cert(
        "Implicit TLS with a self-signed certificate.", CertKind.SELF_SIGNED, _T
    ),
    # ---- hostile / broken ----
    "silent": _hostile("Accepts the connection and never sends a byte.", "silent"),
    "mute_after_greeting": _hostile(
        "Greets at once, then never answers a command.", "mute_after_greeting"
    ),
    "closed": Scenario("Nothing listens on the port (connection refused).", _S, closed=True),
    "slow_greeter": _hostile(
        "Plaintext; the 220 greeting comes 3 s after accept.", "slow_greeter", _N
    ),
    "huge_banner": _hostile("A 4 MiB single-line 220 banner, then waits.", "huge_banner"),
    "endless_continuation": _hostile(
        "'220-lab' continuation lines forever.", "endless_continuation"
    ),
    "garbage": _hostile(
        "A few KB of random binary bytes instead of a greeting, then waits.", "garbage"
    ),
    "trickle": _hostile("The 220 greeting arrives one byte per second.", "trickle"),
    "ehlo_10000": _hostile(
        "Plaintext; EHLO answered with 10,000 '250-X...' lines.", "ehlo_10000", _N
    ),
    "invalid_utf8": Scenario(
        "Greeting with invalid UTF-8 bytes, then a working STARTTLS + AUTH session.",
        _S,
        _GOOD,
        smtp=lambda c: _starttls(c, greeting=_LAB_UTF8_GREETING),
        credentials_work=True,
    ),
    "starttls_stripped": _hostile(
        "Man in the middle: plaintext, AUTH PLAIN LOGIN advertised, STARTTLS removed.",
        "starttls_stripped",
    ),
    "starttls_fails": _hostile(
        "Advertises STARTTLS and AUTH; STARTTLS gets 454 4.7.0 TLS not available.", "starttls_fails"
    ),
    "starttls_then_plain": _hostile(
        "Says 220 Ready to start TLS, then carries on in plaintext (no handshake).",
        "starttls_then_plain",
    ),
}

SCENARIOS: dict[str, str] = {name: spec.description for name, spec in SCENARIO_SPECS.items()}
