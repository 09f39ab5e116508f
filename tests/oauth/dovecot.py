"""A private Dovecot submission server (Debian's 2.3.19) that checks OAuth2 tokens for real.

Its oauth2 passdb asks the test's oidc-provider about each token through the standard
introspection endpoint (RFC 7662, `introspection_mode = post`), requires the token to be
active, to belong to the address signing in (`username_attribute = sub`) and to carry the
SMTP.Send scope, exactly as the Dovecot documentation's "Open Authentication v2.0 database"
page configures it (settings checked against src/auth/db-oauth2.c of 2.3). It offers XOAUTH2
and OAUTHBEARER after STARTTLS only. Accepted mail is relayed to an aiosmtpd sink (Dovecot's
submission service needs a relay); nothing is delivered anywhere.

Started in the foreground (`dovecot -F -c FILE`) so the test owns the process. Dovecot's
failed-login penalty is per client IP in this process's anvil: tests that fail on purpose get
an instance of their own.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .provider import stop

ADDRESS = "127.0.14.2"
STARTUP_DEADLINE = 15.0

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
passdb {{
  driver = oauth2
  mechanisms = {mechanisms}
  args = {shared}/oauth2.conf
}}
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

_OAUTH2 = """\
introspection_mode = post
introspection_url = {introspection_url}
username_attribute = sub
active_attribute = active
active_value = true
scope = SMTP.Send
tls_ca_cert_file = {ca}
"""


def free_port(address: str) -> int:
    with socket.socket() as sock:
        sock.bind((address, 0))
        port: int = sock.getsockname()[1]
        return port


def _listening(address: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((address, port)) == 0


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
    """Yields (address, port, log file)."""
    root.mkdir(parents=True, exist_ok=True)
    # Dovecot's auth process reads the CA and its settings as its own unprivileged user, and
    # pytest's temporary directories are private to root: these two live in a directory of
    # their own that it can reach (removed afterwards).
    shared = Path(tempfile.mkdtemp(prefix="smtpwizard-dovecot-"))
    shared.chmod(0o755)
    shutil.copy(ca_file, shared / "ca.pem")
    (shared / "oauth2.conf").write_text(
        _OAUTH2.format(introspection_url=introspection_url, ca=shared / "ca.pem")
    )
    (shared / "mail").mkdir(mode=0o1777)
    (shared / "mail").chmod(0o1777)
    for name in ("ca.pem", "oauth2.conf"):
        (shared / name).chmod(0o644)
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
        )
    )
    proc = subprocess.Popen(
        ["dovecot", "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    log = root / "dovecot.log"
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE
        while not _listening(ADDRESS, port):
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                text = log.read_text(errors="replace") if log.exists() else ""
                raise RuntimeError(f"dovecot exited: {err}{text[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"dovecot did not listen within {STARTUP_DEADLINE} s")
            time.sleep(0.02)  # polling for the daemon's listener, not synchronising on time
        yield ADDRESS, port, log
    finally:
        stop(proc)
        shutil.rmtree(shared, ignore_errors=True)
