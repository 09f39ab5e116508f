"""A real receiving chain on loopback: Postfix with OpenDKIM, OpenDMARC and policyd-spf stamping
Authentication-Results, delivering into a Maildir that Dovecot serves over IMAPS.

Debian bookworm's packages: postfix 3.7, opendkim 2.11, opendmarc 1.4, postfix-policyd-spf-python
3.0 and dovecot-imapd 2.3, each with a private configuration under a temp dir (never the
system's /etc/postfix and friends). The daemons read DNS from /etc/resolv.conf (libresolv,
pydns) or from unbound.conf (OpenDKIM's libunbound), so they run in a private mount
namespace where /etc/resolv.conf names the lab DNS server at 127.0.17.53:53; nothing outside
that namespace sees the change. Every address is in this suite's range 127.0.17.x.

Settings are from each program's own manual of those versions: postconf(5), opendkim.conf(5),
opendmarc.conf(5), policyd-spf.conf(5) and Dovecot's doc/example-config (2.3).

(Issue 11 brings a Postfix + Dovecot harness under tests/realservers/; when it lands this file
should start its Postfix through that harness and keep only the milters and IMAP here.)
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

RECEIVER = "127.0.17.25"
DNS_ADDRESS = "127.0.17.53"
AUTHSERV = "mx.recv.test"
MAILBOX = "ann@recv.test"
PASSWORD = "chain-secret"
NOBODY = 65534
# Not 25 and 993: a Debian package's own daemon (a stock Dovecot listens on *:993) must not stand
# in the way on a machine where the install started one.
SMTP_PORT, IMAPS_PORT = 2525, 9993
STARTUP_DEADLINE = 30.0

_MAIN = """\
compatibility_level = 3.6
config_directory = {conf}
queue_directory = {root}/queue
data_directory = {root}/data
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
mail_owner = postfix
setgid_group = postdrop
maillog_file = {root}/postfix.log
maillog_file_prefixes = {root}
myhostname = {authserv}
mydomain = recv.test
myorigin = recv.test
mydestination =
mynetworks = 127.0.0.1/32
inet_interfaces = all
inet_protocols = ipv4
alias_maps =
alias_database =
biff = no
smtp_dns_support_level = disabled
virtual_mailbox_domains = recv.test
virtual_mailbox_base = {mail}
virtual_mailbox_maps = texthash:{conf}/vmailbox
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{uid}
virtual_transport = virtual
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions = check_policy_service unix:private/policyd-spf, permit
policyd-spf_time_limit = 3600
smtpd_milters = inet:{receiver}:8891, inet:{receiver}:8893
non_smtpd_milters =
milter_default_action = tempfail
"""

_MASTER = """\
{receiver}:{smtp_port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
proxymap  unix  -       -       n       -       -       proxymap
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
virtual   unix  -       n       n       -       -       virtual
policyd-spf unix -      n       n       -       0       spawn
  user=policyd-spf argv=/usr/bin/policyd-spf {conf}/policyd-spf.conf
"""

# policyd-spf.conf(5): only stamp a header, never refuse (we want to read the verdict); the
# default skip_addresses skips all of 127.0.0.0/8, which is where our clients are.
_POLICYD = """\
debugLevel = 1
TestOnly = 1
HELO_reject = False
Mail_From_reject = False
PermError_reject = False
TempError_Defer = False
skip_addresses = 192.0.2.255/32
Header_Type = AR
Authserv_Id = {authserv}
"""

_OPENDKIM = """\
Mode v
Socket inet:8891@{receiver}
AuthservID {authserv}
ResolverConfiguration {root}/unbound.conf
InternalHosts {root}/internal
PidFile {root}/opendkim.pid
UserID opendkim
Syslog no
"""

# OpenDKIM resolves through libunbound, which by default never asks an address in 127.0.0.0/8
# (unbound.conf(5): do-not-query-localhost; the lab's DNS server is one) and answers the
# RFC 6761 names itself (its default local zones include "test."): both switched off.
_UNBOUND = """\
server:
    do-not-query-localhost: no
    local-zone: "test." nodefault
    domain-insecure: "test."
forward-zone:
    name: "."
    forward-addr: {dns}
"""

_OPENDMARC = """\
Socket inet:8893@{receiver}
AuthservID {authserv}
TrustedAuthservIDs {authserv}
IgnoreHosts {root}/internal
RejectFailures false
SPFSelfValidate false
PublicSuffixList /usr/share/publicsuffix/public_suffix_list.dat
PidFile {root}/opendmarc.pid
UserID opendmarc
Syslog false
"""

_DOVECOT = """\
base_dir = {root}/dovecot-run
state_dir = {root}/dovecot-state
log_path = {root}/dovecot.log
protocols = imap
listen = {receiver}
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = yes
auth_mechanisms = plain
first_valid_uid = {uid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/dovecot-users
}}
userdb {{
  driver = static
  args = uid={uid} gid={uid} home={mail}/%n
}}
mail_location = maildir:~/
namespace inbox {{
  inbox = yes
  mailbox Junk {{
    special_use = \\Junk
    auto = create
  }}
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""


@dataclass
class Chain:
    root: Path
    procs: list[subprocess.Popen[bytes]]

    def logs(self) -> str:
        return "".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}\n"
            for p in (self.root / "postfix.log", self.root / "dovecot.log")
            if p.exists()
        )


def _in_lab_dns(resolv: Path, *command: str) -> list[str]:
    script = 'mount --bind "$0" /etc/resolv.conf && exec "$@"'
    return [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        script,
        str(resolv),
        *command,
    ]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((RECEIVER, port)) == 0


def _wait(ports: tuple[int, ...], procs: list[subprocess.Popen[bytes]], chain: Chain) -> None:
    end = time.monotonic() + STARTUP_DEADLINE
    while not all(_listening(p) for p in ports):
        for proc in procs:
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise RuntimeError(f"{proc.args!r} exited: {err[-2000:]}\n{chain.logs()}")
        if time.monotonic() > end:
            raise RuntimeError(f"the chain did not start in {STARTUP_DEADLINE} s\n{chain.logs()}")
        time.sleep(0.05)  # polling for listeners, not for time


@contextlib.contextmanager
def running_chain(cert: Path, key: Path) -> Iterator[Chain]:
    # Not pytest's tmp_path: its folders are 0700, and the daemons run as their own users.
    root = Path(tempfile.mkdtemp(prefix="smtpwizard-chain-"))
    root.chmod(0o755)
    try:
        with _running(root, cert, key) as chain:
            yield chain
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def _running(root: Path, cert: Path, key: Path) -> Iterator[Chain]:
    conf, mail = root / "postfix", root / "mail"
    for folder in (conf, mail, root / "data", root / "queue"):
        folder.mkdir(parents=True, exist_ok=True)
    os.chown(mail, NOBODY, NOBODY)
    values = {
        "conf": conf,
        "root": root,
        "mail": mail,
        "uid": NOBODY,
        "receiver": RECEIVER,
        "authserv": AUTHSERV,
        "dns": DNS_ADDRESS,
        "cert": cert,
        "key": key,
        "smtp_port": SMTP_PORT,
        "imaps_port": IMAPS_PORT,
    }
    (conf / "main.cf").write_text(_MAIN.format(**values))
    (conf / "master.cf").write_text(_MASTER.format(**values))
    (conf / "vmailbox").write_text(f"{MAILBOX} {MAILBOX.split('@')[0]}/\n")
    (conf / "policyd-spf.conf").write_text(_POLICYD.format(**values))
    (root / "opendkim.conf").write_text(_OPENDKIM.format(**values))
    (root / "opendmarc.conf").write_text(_OPENDMARC.format(**values))
    (root / "unbound.conf").write_text(_UNBOUND.format(**values))
    (root / "dovecot.conf").write_text(_DOVECOT.format(**values))
    (root / "dovecot-users").write_text(f"{MAILBOX}:{{PLAIN}}{PASSWORD}\n")
    (root / "internal").write_text("192.0.2.255\n")  # nobody: every client is verified
    resolv = root / "resolv.conf"
    resolv.write_text(f"nameserver {DNS_ADDRESS}\noptions timeout:2 attempts:2\n")
    for path in (
        root,
        root / "opendkim.conf",
        root / "opendmarc.conf",
        root / "internal",
        root / "unbound.conf",
    ):
        path.chmod(0o755 if path.is_dir() else 0o644)
    # postfix(1) writes its errors to stderr only when that is a terminal: script(1) gives it
    # one, so a failure reads "postfix: fatal: ..." in the exception.
    command = f"postfix -c {shlex.quote(str(conf))} set-permissions"
    done = subprocess.run(
        ["script", "-qec", command, "/dev/null"], capture_output=True, text=True, timeout=60
    )
    if done.returncode != 0:
        raise RuntimeError(f"postfix set-permissions: {done.stdout[-2000:]}")
    commands = [
        _in_lab_dns(resolv, "opendkim", "-f", "-x", str(root / "opendkim.conf")),
        _in_lab_dns(resolv, "opendmarc", "-f", "-c", str(root / "opendmarc.conf")),
        _in_lab_dns(resolv, "postfix", "-c", str(conf), "start-fg"),
        ["dovecot", "-F", "-c", str(root / "dovecot.conf")],
    ]
    chain = Chain(root, [])
    try:
        for command in commands:
            chain.procs.append(
                subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            )
        _wait((8891, 8893, SMTP_PORT, IMAPS_PORT), chain.procs, chain)
        yield chain
    finally:
        _stop_postfix(root)
        for proc in reversed(chain.procs):
            proc.terminate()
        for proc in chain.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
            # The stderr pipes (read by _wait when a daemon fails) are closed here, not left
            # to the garbage collector: their ResourceWarning would come out wherever the next
            # collection runs, and the suite's leak guard fails the test it lands in.
            if proc.stderr is not None:
                proc.stderr.close()


def _stop_postfix(root: Path) -> None:
    """postfix start-fg runs master as a grandchild: stop it through its pid file."""
    pid_file = root / "queue" / "pid" / "master.pid"
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    end = time.monotonic() + 15
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)  # waiting for a process to exit
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


__all__ = [
    "AUTHSERV",
    "IMAPS_PORT",
    "MAILBOX",
    "PASSWORD",
    "RECEIVER",
    "SMTP_PORT",
    "Chain",
    "running_chain",
]
