"""A private Dovecot that only does SASL for Postfix, over a unix socket in Postfix's queue.

Started in the foreground (`dovecot -F -c FILE`) so the test owns the process: terminating it
stops the whole Dovecot (master, auth, anvil). Dovecot's failed-login penalty lives in that
process's anvil and is per client IP; every client here is 127.0.0.1, so a test that signs in
with a wrong password gets a fresh instance of its own instead of waiting the penalty out.

The passdb is the caller's: a passwd-file of passwords here (running_dovecot), the oauth2
passdb for tests/oauth (tests/oauth/dovecot.py). start_dovecot is the one launcher both use.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

from .procs import stop, wait_until

# Debian's dovecot-core 2.3.19 (bookworm): settings checked against `doveconf -n` of this file.
_CONF = """\
base_dir = {base}
state_dir = {state}
log_path = {log}
info_log_path = {log}
auth_verbose = yes
protocols = none
ssl = no
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
auth_failure_delay = {failure_delay}
{passdb}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}}
service auth {{
  unix_listener {socket} {{
    mode = 0660
    user = postfix
    group = postfix
  }}
}}
service anvil {{
  chroot =
}}
"""

_PASSWD_FILE = """\
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {users}
}}"""

STARTUP_DEADLINE = 15.0


def log_of(path: Path) -> Callable[[], str]:
    return lambda: path.read_text(errors="replace") if path.exists() else ""


@contextlib.contextmanager
def start_dovecot(conf: Path, log: Path, ready: Callable[[], bool]) -> Iterator[Path]:
    """Dovecot in the foreground with `conf`, until the block ends; yields its log file."""
    proc = subprocess.Popen(
        ["dovecot", "-F", "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until(ready, proc, "dovecot", STARTUP_DEADLINE, log_of(log))
        yield log
    finally:
        stop(proc)


@contextlib.contextmanager
def running_sasl(
    workdir: Path, socket: Path, passdb: str, *, mechanisms: str, failure_delay: str = "0"
) -> Iterator[Path]:
    """Dovecot answering SASL on `socket` with the `passdb { ... }` block given."""
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "dovecot.log"
    conf = workdir / "dovecot.conf"
    conf.write_text(
        _CONF.format(
            base=workdir / "run",
            state=workdir / "state",
            log=log,
            mechanisms=mechanisms,
            passdb=passdb,
            socket=socket,
            failure_delay=failure_delay,
        )
    )
    with contextlib.suppress(FileNotFoundError):
        socket.unlink()
    try:
        with start_dovecot(conf, log, socket.exists):
            yield log
    finally:
        with contextlib.suppress(FileNotFoundError):
            socket.unlink()


@contextlib.contextmanager
def running_dovecot(
    workdir: Path, socket: Path, users: dict[str, str], *, failure_delay: str = "0"
) -> Iterator[Path]:
    """Dovecot checking passwords (PLAIN, LOGIN) on `socket`; yields its log file."""
    workdir.mkdir(parents=True, exist_ok=True)
    users_file = workdir / "users"
    users_file.write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in users.items()))
    users_file.chmod(0o644)
    passdb = _PASSWD_FILE.format(users=users_file)
    with running_sasl(
        workdir, socket, passdb, mechanisms="plain login", failure_delay=failure_delay
    ) as log:
        yield log
