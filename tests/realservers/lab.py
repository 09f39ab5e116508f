"""The real-server lab: one Postfix with many listeners, Dovecot SASL, postgrey, and the names
the checks use for them (resolved through the check's own overrides, like curl --resolve).

Each listener has its own address of 127.0.11.x (this suite's loopback range), so a host whose
only open port is 25 can exist next to a full submission server.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from smtpwizard.core.check import CheckOptions, CheckResult, run_check
from smtpwizard.core.settings import ResolverConfig, Security, ServerSettings

from .certs import HOSTING_NAME, RealCerts
from .dovecot import running_dovecot
from .exim import EximLab
from .postfix import SMTPS, SUBMISSION, PostfixLab, PostfixService, running_postfix
from .postgrey import running_postgrey

# The listeners need fixed ports (25, 465, 587 as the probe expects), so each run needs its own
# addresses: this /24 of loopback by default; SMTPWIZARD_REALSERVERS_NET=127.0.N moves a run
# (two checkouts testing on one machine at once).
NET = os.environ.get("SMTPWIZARD_REALSERVERS_NET", "127.0.11")
if not re.fullmatch(r"127\.0\.\d{1,3}", NET) or not 0 < int(NET.rsplit(".", 1)[1]) < 255:
    raise RuntimeError(f"SMTPWIZARD_REALSERVERS_NET must look like 127.0.11, not {NET!r}")
USER = "anna@example.test"
PASSWORD = "Right-Horse-Battery-42"
OUTSIDE = "friend@elsewhere.example"

# name -> address; every name here resolves only through the check's overrides.
HOSTS = {
    "mail.example.test": f"{NET}.1",  # a full provider: MX on 25, submission 587, smtps 465
    "mx.example.test": f"{NET}.2",  # a receiving server only: 25, STARTTLS, no AUTH
    "mail.customer.test": f"{NET}.3",  # shared hosting: the certificate names HOSTING_NAME
    "selfsigned.example.test": f"{NET}.4",
    "small.example.test": f"{NET}.5",  # a tiny message size limit
    "busy.example.test": f"{NET}.6",  # one connection per client at a time
    "grey.example.test": f"{NET}.7",  # greylisting (postgrey) on its MX
    "penalty.example.test": f"{NET}.8",  # SASL through a fresh Dovecot per test
    "rate.example.test": f"{NET}.9",  # two connections per client per minute
    "plain.example.test": f"{NET}.10",  # AUTH offered without encryption (a bad server)
    "blocked.example.test": f"{NET}.11",  # refuses this client's address (a block list)
    "relay.example.test": f"{NET}.20",  # tests/realservers/wire.py records what passes here
}
EXIM_HOSTS = {
    "mail.exim.test": f"{NET}.60",  # cPanel's rules
    "busy.exim.test": f"{NET}.61",  # one connection per client
    "std.exim.test": f"{NET}.62",  # Exim's default rules
}
EXIM_USER = "anna@exim.test"
EXIM_ACCOUNT = {"domain": "exim.test", "user": EXIM_USER, "password": PASSWORD}
POSTGREY = (f"{NET}.7", 10023)
SIZE_LIMIT = 400
PENALTY_SOCKET = "auth-fresh"


def ip(name: str) -> str:
    return HOSTS[name]


def _services(certs: RealCerts) -> list[PostfixService]:
    wrong = certs.issued("wrong-name", HOSTING_NAME)
    selfsigned = certs.self_signed("self-signed", "selfsigned.example.test")
    tls_for = {
        "mail.customer.test": wrong,
        "selfsigned.example.test": selfsigned,
    }
    out: list[PostfixService] = []

    def add(name: str, port: int, options: dict[str, str], *, wrapper: bool = False) -> None:
        opts = dict(options)
        if name in tls_for:
            opts["smtpd_tls_cert_file"] = str(tls_for[name].cert)
            opts["smtpd_tls_key_file"] = str(tls_for[name].key)
        out.append(PostfixService(ip(name), port, opts, wrapper=wrapper))

    add("mail.example.test", 25, {})
    add("mail.example.test", 587, SUBMISSION)
    add("mail.example.test", 465, SMTPS, wrapper=True)
    add("mx.example.test", 25, {})
    for name in ("mail.customer.test", "selfsigned.example.test"):
        add(name, 587, SUBMISSION)
        add(name, 465, SMTPS, wrapper=True)
    add("small.example.test", 587, {**SUBMISSION, "message_size_limit": str(SIZE_LIMIT)})
    add("busy.example.test", 587, {**SUBMISSION, "smtpd_client_connection_count_limit": "1"})
    add("rate.example.test", 587, {**SUBMISSION, "smtpd_client_connection_rate_limit": "2"})
    policy = f"check_policy_service,inet:{POSTGREY[0]}:{POSTGREY[1]}"
    grey = {"smtpd_recipient_restrictions": f"reject_unauth_destination,{policy}"}
    add("grey.example.test", 25, grey)
    # A block-list style refusal of the client, as Postfix words it (check_client_access).
    block = f"check_client_access,texthash:{certs.workdir.parent}/client_access"
    add("blocked.example.test", 25, {"smtpd_client_restrictions": block})
    add("penalty.example.test", 587, {**SUBMISSION, "smtpd_sasl_path": f"private/{PENALTY_SOCKET}"})
    add(
        "plain.example.test",
        587,
        {**SUBMISSION, "smtpd_tls_security_level": "may", "smtpd_tls_auth_only": "no"},
    )
    return out


@dataclass
class Checker:
    """Runs the real check engine against the lab's names, with the lab's CA trusted."""

    ca_file: Path
    user: str

    def settings(self, host: str, port: int, security: str, **changes: Any) -> ServerSettings:
        base = ServerSettings(host=host, port=port, security=Security(security), username=self.user)
        return replace(base, **changes)

    def options(self, **changes: Any) -> CheckOptions:
        resolver = ResolverConfig(overrides={**HOSTS, **EXIM_HOSTS})
        return CheckOptions(ca_file=str(self.ca_file), timeout=30, resolver=resolver, **changes)

    def check(
        self,
        host: str,
        port: int,
        security: str,
        *,
        password: str | None = PASSWORD,
        options: dict[str, Any] | None = None,
        **changes: Any,
    ) -> CheckResult:
        settings = self.settings(host, port, security, **changes)
        if settings.username is None:
            password = None
        opts = self.options(**(options or {}))
        return asyncio.run(run_check(settings, password=password, options=opts))


@dataclass
class RealLab(Checker):
    root: Path
    postfix: PostfixLab

    @contextlib.contextmanager
    def fresh_dovecot(self, name: str = "fresh", failure_delay: str = "0") -> Iterator[Path]:
        """Dovecot with no memory of failed sign-ins, behind penalty.example.test:587."""
        with running_dovecot(
            self.root / f"dovecot-{name}",
            self.postfix.sasl_socket(PENALTY_SOCKET),
            {USER: PASSWORD},
            failure_delay=failure_delay,
        ) as log:
            yield log


@contextlib.contextmanager
def running_lab(root: Path) -> Iterator[RealLab]:
    root.mkdir(mode=0o755, exist_ok=True)
    certs = RealCerts(root / "certs")
    (root / "client_access").write_text("127.0.0.1 REJECT Dynamic or residential IP\n")
    good = certs.issued("good", *HOSTS, "localhost")
    postfix = PostfixLab(root / "postfix", _services(certs), good, {USER: USER})
    with contextlib.ExitStack() as stack:
        stack.enter_context(running_postgrey(root / "postgrey", *POSTGREY))
        stack.enter_context(running_postfix(postfix))
        # The shared Dovecot never sees a wrong password (its penalty would slow every test
        # after): wrong passwords go to RealLab.fresh_dovecot.
        stack.enter_context(
            running_dovecot(root / "dovecot", postfix.sasl_socket(), {USER: PASSWORD})
        )
        yield RealLab(certs.ca_file, USER, root, postfix)


@dataclass
class EximLabs(Checker):
    main: EximLab
    busy: EximLab  # one connection per client
    default: EximLab  # Exim's default RCPT rules
