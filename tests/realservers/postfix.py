"""A private Postfix (Debian's postfix 3.7) on loopback: its own config_directory, queue and data
directories under a temp dir, started with `postfix -c DIR start` and stopped with `stop`.

Postfix's listeners are fixed host:port pairs in master.cf, so every service binds its own
address of this suite's range (127.0.11.x by default, NET in tests/realservers/lab.py) with
the real port numbers (25, 465, 587) the probe and the users know. Nothing is ever delivered: every
transport is `discard`.

Settings are Postfix 3.7 parameters (postconf(5) of that version); the submission and smtps
lines follow Debian's stock master.cf (/etc/postfix/master.cf.proto of postfix 3.7.11).
"""

from __future__ import annotations

import contextlib
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .certs import CertFiles
from .procs import listening

_MAIN = """\
compatibility_level = 3.6
config_directory = {conf}
queue_directory = {queue}
data_directory = {data}
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
mail_owner = postfix
setgid_group = postdrop
maillog_file = {log}
maillog_file_prefixes = {root}
myhostname = {myhostname}
mydomain = example.test
myorigin = example.test
mydestination = example.test
mynetworks = 127.0.0.0/8
# master.cf binds each service to its own address; the check of inet_interfaces against
# interface addresses would refuse 127.0.11.x (only 127.0.0.1/8 is configured on lo).
inet_interfaces = all
inet_protocols = ipv4
local_recipient_maps =
local_transport = discard:
default_transport = discard:
relay_transport = discard:
virtual_transport = discard:
smtp_dns_support_level = disabled
smtpd_banner = $myhostname ESMTP Postfix (Debian/GNU)
biff = no
append_dot_mydomain = no
readme_directory = no
alias_maps =
alias_database =
# Loopback is in $mynetworks, which Postfix exempts from anvil limits by default.
smtpd_client_event_limit_exceptions =
smtpd_tls_cert_file = {cert}
smtpd_tls_key_file = {key}
smtpd_tls_security_level = may
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sasl_auth_enable = no
smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated defer_unauth_destination
smtpd_sender_login_maps = texthash:{conf}/sender_logins
"""

# The services every lab has; more come from PostfixService.
_MASTER_BASE = """\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


@dataclass(frozen=True, slots=True)
class PostfixService:
    """One smtpd listener: address:port and its -o overrides (master.cf syntax)."""

    address: str
    port: int
    options: dict[str, str] = field(default_factory=dict)
    wrapper: bool = False  # implicit TLS (smtps)

    def line(self) -> str:
        opts = dict(self.options)
        if self.wrapper:
            opts.setdefault("smtpd_tls_wrappermode", "yes")
        rendered = "".join(f"\n  -o {k}={v}" for k, v in opts.items())
        return f"{self.address}:{self.port} inet n - n - - smtpd{rendered}\n"


# Debian's stock submission service (master.cf.proto, the commented "submission" entry).
SUBMISSION = {
    "syslog_name": "postfix/submission",
    "smtpd_tls_security_level": "encrypt",
    "smtpd_sasl_auth_enable": "yes",
    "smtpd_tls_auth_only": "yes",
    "smtpd_client_restrictions": "permit_sasl_authenticated,reject",
    "smtpd_sender_restrictions": "reject_sender_login_mismatch",
    "smtpd_recipient_restrictions": "permit_sasl_authenticated,reject",
}
# Debian's stock smtps (465) entry: the same with wrapper mode instead of STARTTLS.
SMTPS = {
    "syslog_name": "postfix/smtps",
    "smtpd_sasl_auth_enable": "yes",
    "smtpd_client_restrictions": "permit_sasl_authenticated,reject",
    "smtpd_sender_restrictions": "reject_sender_login_mismatch",
    "smtpd_recipient_restrictions": "permit_sasl_authenticated,reject",
}

STARTUP_DEADLINE = 30.0


def _run(conf: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # postfix(1) writes its errors to stderr only when that is a terminal (else to syslog):
    # script(1) gives it one, so a failure reads "postfix: fatal: ..." here.
    return subprocess.run(
        ["script", "-qec", shlex.join(["postfix", "-c", str(conf), *args]), "/dev/null"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@dataclass
class PostfixLab:
    root: Path
    services: list[PostfixService]
    cert: CertFiles
    sender_logins: dict[str, str]
    myhostname: str = "mail.example.test"
    extra_main: dict[str, str] = field(default_factory=dict)
    extra_master: str = ""  # more master.cf lines (a delivery agent)

    @property
    def conf(self) -> Path:
        return self.root / "conf"

    @property
    def queue(self) -> Path:
        return self.root / "queue"

    @property
    def log(self) -> Path:
        return self.root / "postfix.log"

    def sasl_socket(self, name: str = "auth") -> Path:
        return self.queue / "private" / name

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def write_config(self) -> None:
        self.conf.mkdir(parents=True, exist_ok=True)
        (self.root / "data").mkdir(exist_ok=True)
        self.queue.mkdir(exist_ok=True)
        main = _MAIN.format(
            conf=self.conf,
            queue=self.queue,
            data=self.root / "data",
            log=self.log,
            root=self.root,
            myhostname=self.myhostname,
            cert=self.cert.cert,
            key=self.cert.key,
        )
        # An extra setting replaces the base one (Postfix would warn "overriding earlier entry").
        kept = [ln for ln in main.splitlines() if ln.split(" = ", 1)[0] not in self.extra_main]
        main = "".join(f"{ln}\n" for ln in kept)
        main += "".join(f"{k} = {v}\n" for k, v in self.extra_main.items())
        (self.conf / "main.cf").write_text(main)
        master = _MASTER_BASE + self.extra_master + "".join(s.line() for s in self.services)
        (self.conf / "master.cf").write_text(master)
        logins = "".join(f"{addr} {login}\n" for addr, login in self.sender_logins.items())
        (self.conf / "sender_logins").write_text(logins)

    def start(self) -> None:
        self.write_config()
        # Creates the queue's subdirectories with Postfix's own owners and modes.
        for args in (("set-permissions",), ("start",)):
            done = _run(self.conf, *args)
            if done.returncode != 0:
                raise RuntimeError(f"postfix {args[0]} failed: {done.stdout}\n{self.log_text()}")
        deadline = time.monotonic() + STARTUP_DEADLINE
        while not all(listening(svc.address, svc.port) for svc in self.services):
            if time.monotonic() > deadline:
                raise RuntimeError(f"postfix is not listening:\n{self.log_text()[-3000:]}")
            time.sleep(0.05)  # polling the listeners master opens, not synchronising on time

    def stop(self) -> None:
        done = _run(self.conf, "stop")
        pid_file = self.queue / "pid" / "master.pid"
        if done.returncode != 0 and pid_file.exists():
            with contextlib.suppress(ValueError, ProcessLookupError):
                import os
                import signal

                os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)


@contextlib.contextmanager
def running_postfix(lab: PostfixLab) -> Iterator[PostfixLab]:
    if shutil.which("postfix") is None:
        raise RuntimeError("postfix is not installed: run scripts/setup.sh test")
    lab.start()
    try:
        yield lab
    finally:
        lab.stop()
