"""Postfix with Dovecot SASL offering XOAUTH2 and OAUTHBEARER: Debian's Postfix 3.7 (the
submission and smtps services of its stock master.cf, smtpd_sasl_type = dovecot) in front of
Dovecot's auth service with the oauth2 passdb, both started through tests/realservers' harness.
Accepted mail is really delivered, by Postfix's virtual(8) agent into a Maildir, and read back.

Why it works (read in Postfix 3.7.11's source, github.com/vdukhovni/postfix tag v3.7.11):
src/xsasl/xsasl_dovecot_server.c takes every mechanism of Dovecot's MECH lines except those
marked "private", so XOAUTH2 and OAUTHBEARER are offered; it passes the AUTH command's initial
response on as `resp=` and relays Dovecot's CONT (the JSON error challenge) to the client as a
334 reply, and the client's answer back (smtpd_sasl_glue.c). The AUTH command line itself is
read by smtpd_chat_query() with line_length_limit (2048): a longer line is cut there ("request
longer than 2048" in the log) and its initial response is lost, so a long token must follow an
empty 334 instead, where smtpd_sasl_response_limit (12288) applies.

Every listener has a port of its own (ephemeral, chosen before Postfix starts) on ADDRESS:
- submission: STARTTLS, both mechanisms; smtps: implicit TLS, both; xoauth2: STARTTLS with
  smtpd_sasl_mechanism_filter = xoauth2 (so the client must use XOAUTH2).
- fresh and fresh-xoauth2: the same through a socket whose Dovecot each test starts itself
  (OAuthLab.fresh): a refused sign-in raises the shared Dovecot's penalty for 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from smtpwizard.core.check import CheckOptions
from smtpwizard.core.settings import ResolverConfig, Security, ServerSettings

from ..realservers.certs import CertFiles
from ..realservers.postfix import SMTPS, SUBMISSION, PostfixLab, PostfixService, running_postfix
from ..realservers.stale import claimed_root
from .dovecot import Introspection, LocalJwt, Validation, free_port, running_oauth_sasl
from .provider import INTROSPECTION_SECRET, RunningProvider
from .servers import Certs

ADDRESS = "127.0.14.10"
NAME = "mail.oauth.test"
USERS = (
    "alice@example.test",
    "erin@example.test",
    "gina@example.test",
    "many-groups.ivy@example.test",
)
NOBODY = 65534  # Debian's nobody/nogroup: the Maildir's owner

_FRESH = "auth-fresh"
_XOAUTH2 = {"smtpd_sasl_mechanism_filter": "xoauth2"}
# Each connection gets a new smtpd (max_use), which connects to whichever Dovecot listens on
# the socket now: a reused one could still be talking to the previous test's Dovecot.
_OWN = {"smtpd_sasl_path": f"private/{_FRESH}", "max_use": "1"}
_LISTENERS: dict[str, tuple[dict[str, str], bool]] = {
    "submission": (SUBMISSION, False),
    "smtps": (SMTPS, True),
    "xoauth2": ({**SUBMISSION, **_XOAUTH2}, False),
    "fresh": ({**SUBMISSION, **_OWN}, False),
    "fresh-xoauth2": ({**SUBMISSION, **_XOAUTH2, **_OWN}, False),
}
_VIRTUAL = "virtual   unix  -       n       n       -       -       virtual\n"
DELIVERY_DEADLINE = 30.0


@dataclass
class OAuthLab:
    root: Path
    postfix: PostfixLab
    provider: RunningProvider
    ca_file: str
    ports: dict[str, int]

    @property
    def inbox(self) -> Path:
        return self.root / "mail" / "inbox"

    def introspection(self) -> Introspection:
        url = self.provider.introspection_url.replace(
            "https://", f"https://dovecot:{INTROSPECTION_SECRET}@"
        )
        return Introspection(url, self.provider.ca_file)

    def local_jwt(self, audience: str | None) -> LocalJwt:
        return LocalJwt(
            self.provider.issuer, self.provider.public_key, self.provider.kid, "RS256", audience
        )

    @contextlib.contextmanager
    def fresh(
        self, name: str, validation: Validation, mechanisms: str = "xoauth2 oauthbearer"
    ) -> Iterator[Path]:
        """A Dovecot of this test's own behind the fresh listeners; yields its log file."""
        socket = self.postfix.sasl_socket(_FRESH)
        with running_oauth_sasl(
            self.root / f"dovecot-{name}", socket, validation, mechanisms
        ) as log:
            yield log

    def security(self, listener: str) -> Security:
        return Security.TLS if listener == "smtps" else Security.STARTTLS

    def settings(self, listener: str, user: str) -> ServerSettings:
        return ServerSettings(NAME, self.ports[listener], self.security(listener), username=user)

    def options(self) -> CheckOptions:
        return CheckOptions(
            ca_file=self.ca_file, timeout=30, resolver=ResolverConfig(overrides={NAME: ADDRESS})
        )

    def cli_args(self, listener: str, user: str) -> list[str]:
        """`smtpwizard check` arguments for a listener, as a user types them."""
        security = "tls" if listener == "smtps" else "starttls"
        return [
            "check", "--host", NAME, "--port", str(self.ports[listener]), "--security", security,
            "--user", user, "--resolve", f"{NAME}:{ADDRESS}", "--ca-file", self.ca_file, "--json",
        ]  # fmt: skip

    async def delivered(self, marker: str) -> bytes:
        """The message in the Maildir that contains `marker`, once virtual(8) has written it."""
        loop = asyncio.get_running_loop()
        end = loop.time() + DELIVERY_DEADLINE
        while loop.time() < end:
            # new/ and cur/ only: tmp/ holds what virtual(8) is still writing.
            for path in sorted([*self.inbox.glob("new/*"), *self.inbox.glob("cur/*")]):
                with contextlib.suppress(FileNotFoundError):
                    data = path.read_bytes()
                    if marker.encode() in data:
                        return data
            await asyncio.sleep(0.05)  # polling the Maildir Postfix delivers into
        raise AssertionError(
            f"nothing with {marker!r} was delivered:\n{self.postfix.log_text()[-3000:]}"
        )


def _cert(certs: Certs, workdir: Path) -> CertFiles:
    workdir.mkdir(parents=True, exist_ok=True)
    leaf = certs.ca_obj.issue_cert(NAME)
    cert, key = workdir / "mail.crt", workdir / "mail.key"
    cert.write_bytes(b"".join(pem.bytes() for pem in leaf.cert_chain_pems))
    key.write_bytes(leaf.private_key_pem.bytes())
    for path in (cert, key):
        path.chmod(0o644)  # Postfix's smtpd reads them after dropping root
    return CertFiles(cert, key)


@contextlib.contextmanager
def running_oauth_lab(certs: Certs, provider: RunningProvider) -> Iterator[OAuthLab]:
    # Not pytest's tmp_path (mode 0700: Postfix and Dovecot drop root before reading it); a
    # run killed before its teardown leaves Postfix's master behind, which the next run stops.
    with claimed_root("oauth-lab", exclusive=False) as root:
        mail = root / "lab" / "mail"
        mail.mkdir(parents=True)
        os.chown(mail, NOBODY, NOBODY)
        ports = {name: free_port(ADDRESS) for name in _LISTENERS}
        services = [
            PostfixService(ADDRESS, ports[name], options, wrapper=wrapper)
            for name, (options, wrapper) in _LISTENERS.items()
        ]
        postfix = PostfixLab(
            root / "lab" / "postfix",
            services,
            _cert(certs, root / "lab" / "certs"),
            {user: user for user in USERS},
            myhostname=NAME,
            extra_main={
                "mydestination": "",
                "virtual_mailbox_domains": "example.test",
                "virtual_mailbox_base": str(mail),
                "virtual_mailbox_maps": "static:inbox/",
                "virtual_uid_maps": f"static:{NOBODY}",
                "virtual_gid_maps": f"static:{NOBODY}",
                "virtual_transport": "virtual",
                "smtpd_sasl_authenticated_header": "yes",
            },
            extra_master=_VIRTUAL,
        )
        lab = OAuthLab(root / "lab", postfix, provider, certs.ca, ports)
        with (
            running_postfix(postfix),
            running_oauth_sasl(
                root / "lab" / "dovecot", postfix.sasl_socket(), lab.introspection()
            ),
        ):
            yield lab
