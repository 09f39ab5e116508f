"""Exim 4.96 (Debian's exim4-daemon-light, unpacked from its .deb into the venv by
scripts/setup-extra.sh: Debian's exim4 and postfix packages conflict) as a foreground daemon
(`exim4 -C FILE -bdf`) with a cPanel-like policy: AUTH only after TLS, relaying only when
signed in, the sender must be the signed-in user.

The replies are Exim's own (535 "Incorrect authentication data") and cPanel's ACL texts,
taken from real-world.md and checked against what this Exim sends.
"""

from __future__ import annotations

import contextlib
import functools
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .certs import CertFiles
from .procs import listening, stop, wait_until

EXIM = Path(sys.prefix) / "opt" / "exim4" / "usr" / "sbin" / "exim4"
EXIM_USER = "Debian-exim"  # compiled into Debian's binary; setup-extra.sh creates it
STARTUP_DEADLINE = 15.0

# cPanel's own ACL texts (real-world.md).
CPANEL_POLICY = """\
  deny    !authenticated = *
          message = Please turn on SMTP Authentication in your mail client. \\
                    $sender_host_address is not permitted to relay through this \\
                    server without authentication.
  deny    condition = ${{if !eqi{{$sender_address}}{{$authenticated_id}}}}
          message = Your FROM address ( $sender_address ) must match your \\
                    authenticated email user ( $authenticated_id ). \\
                    Treating this as a spoofed email.
  accept
"""
# The RCPT rules of Exim's default configure (and of the many configurations derived from
# it): sender verification, then relaying only for signed-in clients, in Exim's own words.
DEFAULT_POLICY = """\
  require verify = sender
  accept  authenticated = *
  require message = relay not permitted
          domains = +local_domains
  accept
"""

_CONF = """\
keep_environment =
exim_user = {user}
exim_group = {user}
primary_hostname = {hostname}
spool_directory = {spool}
log_file_path = {logdir}/%slog
pid_file_path = {root}/exim.pid
local_interfaces = <; {address}.587 ; {address}.465 ; {address}.25
daemon_smtp_ports = 587 : 465 : 25
tls_on_connect_ports = 465
tls_advertise_hosts = *
tls_certificate = {cert}
tls_privatekey = {key}
host_lookup =
rfc1413_hosts =
# cPanel offers AUTH only once the connection is encrypted.
auth_advertise_hosts = ${{if eq{{$tls_in_cipher}}{{}}{{}}{{*}}}}
domainlist local_domains = {domain}
acl_smtp_rcpt = acl_check_rcpt
message_size_limit = 10M
smtp_accept_max = {max_connections}
smtp_accept_max_per_host = {max_per_host}

begin acl
acl_check_rcpt:
  accept  domains = +local_domains
{rcpt_policy}
begin routers
# Addresses in .invalid do not route: what "verify = sender" refuses.
unroutable:
  driver = redirect
  domains = *.invalid
  allow_fail
  data = :fail: Unrouteable address
blackhole:
  driver = redirect
  data = :blackhole:

begin transports

begin authenticators
plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = ${{if and {{{{eq{{$auth2}}{{{user_name}}}}}{{eq{{$auth3}}{{{password}}}}}}}}}
  server_set_id = $auth2
login:
  driver = plaintext
  public_name = LOGIN
  server_prompts = <| Username: | Password:
  server_condition = ${{if and {{{{eq{{$auth1}}{{{user_name}}}}}{{eq{{$auth2}}{{{password}}}}}}}}}
  server_set_id = $auth1
"""


@dataclass(frozen=True, slots=True)
class EximLab:
    address: str
    hostname: str
    log_dir: Path

    def log_text(self) -> str:
        return "".join(p.read_text(errors="replace") for p in sorted(self.log_dir.glob("*log")))


@contextlib.contextmanager
def running_exim(
    root: Path,
    *,
    address: str,
    hostname: str,
    domain: str,
    user: str,
    password: str,
    cert: CertFiles,
    max_per_host: int = 0,
    policy: str = CPANEL_POLICY,
) -> Iterator[EximLab]:
    if not EXIM.exists():
        raise RuntimeError(f"{EXIM} is missing: run scripts/setup.sh test")
    spool, logdir = root / "spool", root / "log"
    for path in (spool, logdir):
        path.mkdir(parents=True, exist_ok=True)
        shutil.chown(path, user=EXIM_USER, group=EXIM_USER)
    conf = root / "exim.conf"
    conf.write_text(
        _CONF.format(
            user=EXIM_USER,
            hostname=hostname,
            spool=spool,
            logdir=logdir,
            root=root,
            address=address,
            cert=cert.cert,
            key=cert.key,
            domain=domain,
            user_name=user,
            password=password,
            max_connections=20,
            max_per_host=max_per_host,
            rcpt_policy=policy.format(),
        )
    )
    proc = subprocess.Popen(
        [str(EXIM), "-C", str(conf), "-bdf"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    lab = EximLab(address, hostname, logdir)
    try:
        ready = functools.partial(listening, address, 587, 465, 25)
        wait_until(ready, proc, "exim", STARTUP_DEADLINE, lab.log_text)
        yield lab
    finally:
        stop(proc)
