"""What a lab server is (a Scenario) and the demo's two good servers.

The tests' catalogue (provider replies, certificate problems, hostile servers) builds on these
types in tests/labkit/scenarios.py; only what the demo serves ships here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from smtpwizard.core.settings import Security

from .certs import CertKind
from .records import EndpointState
from .smtp_server import AuthPolicy, SmtpBehaviour

# A raw server: reads and writes the socket itself (tests use these for hostile behaviour).
RawHandler = Callable[
    [asyncio.StreamReader, asyncio.StreamWriter, EndpointState], Coroutine[Any, Any, None]
]


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str
    password: str

    @property
    def domain(self) -> str:
        return self.username.rpartition("@")[2].casefold()


BehaviourFactory = Callable[[Credentials], SmtpBehaviour]


@dataclass(frozen=True, slots=True)
class Scenario:
    description: str
    security: Security
    cert: CertKind | None = None  # None: no TLS at all
    smtp: BehaviourFactory | None = None  # an aiosmtpd server ...
    raw: RawHandler | None = None  # ... or a raw hostile one ...
    closed: bool = False  # ... or nothing listening at all
    credentials_work: bool = False  # whether the lab credentials log in


def auth_policy(creds: Credentials, **kw: Any) -> AuthPolicy:
    return AuthPolicy(creds.username, creds.password, **kw)


def starttls_behaviour(creds: Credentials, **kw: Any) -> SmtpBehaviour:
    return SmtpBehaviour(auth=auth_policy(creds), **kw)


def implicit_tls_behaviour(creds: Credentials) -> SmtpBehaviour:
    return SmtpBehaviour(auth=auth_policy(creds), require_starttls=False, implicit_tls=True)


DEMO_SCENARIOS: dict[str, Scenario] = {
    "starttls_ok": Scenario(
        "STARTTLS required before AUTH/MAIL; AUTH PLAIN LOGIN; accepts mail.",
        Security.STARTTLS,
        CertKind.GOOD,
        smtp=starttls_behaviour,
        credentials_work=True,
    ),
    "tls_ok": Scenario(
        "Implicit TLS (port 465 style); AUTH PLAIN LOGIN; accepts mail.",
        Security.TLS,
        CertKind.GOOD,
        smtp=implicit_tls_behaviour,
        credentials_work=True,
    ),
}
