"""Dovecot's oauth2 passdb (Debian's 2.3.19) checking tokens for real, in two places: its own
submission service (running_dovecot), and as the SASL server of a real Postfix
(running_oauth_sasl, through tests/realservers' launcher; tests/oauth/postfix.py).

Two ways to check a token, both from Dovecot's "Open Authentication v2.0 database" page and
checked against src/auth/db-oauth2.c and src/lib-oauth2/oauth2-jwt.c of the 2.3.19.1 tag:
- Introspection (RFC 7662, `introspection_mode = post`): the provider is asked about each
  token; it must be active (`active_attribute = active`), belong to the address signing in
  (`username_attribute = sub`) and carry the SMTP.Send scope.
- Local validation of JWT access tokens (`introspection_mode = local`): the signature is checked
  with the provider's public key from `local_validation_key_dict` (a file per key,
  <azp or "default">/<alg>/<kid>), the issuer against `issuers`, exp/nbf/iat against the clock.
  2.3.19 does not look at `aud` (2.3.21 compares it with `client_id`), so the audience is
  checked the way 2.3.19 can: `active_attribute = aud` with `active_value` the mail server's
  resource. That is the check tests/oauth/test_oauth_postfix_audience.py needs.

Started in the foreground (`dovecot -F -c FILE`) so the test owns the process. Dovecot's
failed-login penalty is per client IP in this process's anvil: tests that fail on purpose get
an instance of their own.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..realservers.dovecot import running_sasl, start_dovecot
from ..realservers.procs import listening

ADDRESS = "127.0.14.2"

_CONF = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
auth_verbose = yes
protocols = submission
hostname = mail.example.test
# The submission service opens the user's mail storage (for BURL); none is ever written.
mail_location = maildir:{shared}/mail
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = yes
auth_mechanisms = {mechanisms}
auth_failure_delay = 0
submission_relay_host = {relay_host}
submission_relay_port = {relay_port}
submission_relay_trusted = no
submission_relay_ssl = no
{passdb}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}}
service submission-login {{
  inet_listener submission {{
    address = {address}
    port = {port}
  }}
}}
service anvil {{
  chroot =
}}
"""

_PASSDB = """\
passdb {{
  driver = oauth2
  mechanisms = {mechanisms}
  args = {args}
}}"""

_INTROSPECTION = """\
introspection_mode = post
introspection_url = {introspection_url}
username_attribute = sub
active_attribute = active
active_value = true
scope = SMTP.Send
tls_ca_cert_file = {ca}
"""

_LOCAL = """\
introspection_mode = local
local_validation_key_dict = fs:posix:prefix={keys}/
issuers = {issuer}
username_attribute = sub
scope = SMTP.Send
"""
# The audience check (2.3.19 has no setting of its own for it, see above).
_AUDIENCE = """\
active_attribute = aud
active_value = {audience}
"""


@dataclass(frozen=True)
class Introspection:
    """Ask the provider about every token (its introspection URL with Dovecot's credentials)."""

    url: str
    ca_file: str


@dataclass(frozen=True)
class LocalJwt:
    """Check JWT access tokens here: the provider's signing key, its issuer, and the audience
    (None: no audience check, as Dovecot 2.3.19 does by itself)."""

    issuer: str
    public_key_pem: str
    kid: str
    alg: str = "RS256"
    audience: str | None = None


Validation = Introspection | LocalJwt


def free_port(address: str) -> int:
    with socket.socket() as sock:
        sock.bind((address, 0))
        port: int = sock.getsockname()[1]
        return port


def _passdb(directory: Path, validation: Validation, mechanisms: str) -> str:
    """Writes the oauth2 settings (and the CA or key they name) into `directory`, which
    Dovecot's unprivileged auth process must be able to read; returns the passdb block."""
    if isinstance(validation, Introspection):
        shutil.copy(validation.ca_file, directory / "ca.pem")
        (directory / "ca.pem").chmod(0o644)
        text = _INTROSPECTION.format(introspection_url=validation.url, ca=directory / "ca.pem")
    else:
        key = directory / "keys" / "default" / validation.alg / validation.kid
        key.parent.mkdir(parents=True, exist_ok=True)
        for part in (directory / "keys", key.parent.parent, key.parent):
            part.chmod(0o755)
        key.write_text(validation.public_key_pem)
        key.chmod(0o644)
        text = _LOCAL.format(keys=directory / "keys", issuer=validation.issuer)
        if validation.audience is not None:
            text += _AUDIENCE.format(audience=validation.audience)
    (directory / "oauth2.conf").write_text(text)
    (directory / "oauth2.conf").chmod(0o644)
    return _PASSDB.format(mechanisms=mechanisms, args=directory / "oauth2.conf")


@contextlib.contextmanager
def running_oauth_sasl(
    workdir: Path,
    socket_path: Path,
    validation: Validation,
    mechanisms: str = "xoauth2 oauthbearer",
) -> Iterator[Path]:
    """Dovecot's auth service with the oauth2 passdb, answering Postfix on `socket_path`
    (`workdir` must be readable by Dovecot's unprivileged users); yields its log file."""
    workdir.mkdir(parents=True, exist_ok=True)
    workdir.chmod(0o755)
    passdb = _passdb(workdir, validation, mechanisms)
    with running_sasl(workdir, socket_path, passdb, mechanisms=mechanisms) as log:
        yield log


@contextlib.contextmanager
def running_dovecot(
    root: Path,
    *,
    cert: str,
    key: str,
    ca_file: str,
    introspection_url: str,
    relay: tuple[str, int],
    mechanisms: str = "xoauth2 oauthbearer",
) -> Iterator[tuple[str, int, Path]]:
    """Dovecot's submission service on ADDRESS; yields (address, port, log file)."""
    root.mkdir(parents=True, exist_ok=True)
    # Dovecot's auth process reads the CA and its settings as its own unprivileged user, and
    # pytest's temporary directories are private to root: these live in a directory of
    # their own that it can reach (removed afterwards).
    shared = Path(tempfile.mkdtemp(prefix="smtpwizard-dovecot-"))
    shared.chmod(0o755)
    passdb = _passdb(shared, Introspection(introspection_url, ca_file), mechanisms)
    (shared / "mail").mkdir(mode=0o1777)
    (shared / "mail").chmod(0o1777)
    port = free_port(ADDRESS)
    conf = root / "dovecot.conf"
    conf.write_text(
        _CONF.format(
            root=root,
            shared=shared,
            cert=cert,
            key=key,
            relay_host=relay[0],
            relay_port=relay[1],
            address=ADDRESS,
            port=port,
            mechanisms=mechanisms,
            passdb=passdb,
        )
    )
    try:
        with start_dovecot(conf, root / "dovecot.log", lambda: listening(ADDRESS, port)) as log:
            yield ADDRESS, port, log
    finally:
        shutil.rmtree(shared, ignore_errors=True)
