"""The self-hosted apps and terminal mail programs read our exports and really send through the
lab on loopback: 587 STARTTLS and 465 TLS are delivered; a server that hides STARTTLS and one
with a certificate for another name are refused before any password leaves (where the consumer
can insist on STARTTLS at all; docs/exports.md lists the ones that cannot).

Each app's own mail set-up (quoted from its source in the helper scripts) runs on the real
library it uses: PHPMailer (FluentSMTP, Joomla), Symfony Mailer (Drupal, Nextcloud), the mail gem
(GitLab, Mastodon, Discourse), Nodemailer (Ghost), smtplib (Home Assistant); NeoMutt, Mutt and
s-nail are the programs themselves."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from smtpwizard.core.exporters import render_export
from tests.labkit import Lab, LabEndpoint

from .conftest import require
from .readers import save
from .test_consumers import PASSWORD, RCPT, USERNAME, assert_delivered, settings_for

pytestmark = pytest.mark.consumer

HERE = Path(__file__).resolve().parent
Command = Callable[[Path, Path, Path, str], tuple[list[str], dict[str, str]]]


@dataclass(frozen=True)
class Consumer:
    tools: tuple[str, ...]
    command: Command  # (export, CA file, workdir, subject) -> argv, env
    refuses_stripped: bool = True  # can it insist on STARTTLS?
    from_header: bool = True  # does it write our display name into From: itself?
    by_name: bool = False  # checks certificates against names only: connect to "localhost"


def _php(app: str) -> Command:
    def command(path: Path, ca: Path, tmp: Path, subject: str) -> tuple[list[str], dict[str, str]]:
        script = HERE / "php" / "apps.php"
        return ["php", "-d", f"openssl.cafile={ca}", str(script), app, str(path), RCPT, subject], {}

    return command


def _ruby(app: str) -> Command:
    def command(path: Path, ca: Path, tmp: Path, subject: str) -> tuple[list[str], dict[str, str]]:
        script = HERE / "ruby" / "apps.rb"
        return ["ruby", str(script), app, str(path), RCPT, subject], {"SSL_CERT_FILE": str(ca)}

    return command


def _ghost(path: Path, ca: Path, tmp: Path, subject: str) -> tuple[list[str], dict[str, str]]:
    if not (HERE / "node" / "node_modules" / "nodemailer").is_dir():
        pytest.fail("Nodemailer is not installed: run scripts/setup.sh test", pytrace=False)
    script = HERE / "node" / "ghost_send.cjs"
    return ["node", str(script), str(path), RCPT, subject], {"NODE_EXTRA_CA_CERTS": str(ca)}


def _home_assistant(
    path: Path, ca: Path, tmp: Path, subject: str
) -> tuple[list[str], dict[str, str]]:
    script = HERE / "python" / "home_assistant_send.py"
    return [sys.executable, str(script), str(path), RCPT, subject], {"SSL_CERT_FILE": str(ca)}


def _mutt(program: str) -> Command:
    def command(path: Path, ca: Path, tmp: Path, subject: str) -> tuple[list[str], dict[str, str]]:
        (tmp / "body").write_text("sent by the export test\n")
        # -n: no system-wide file; the export is the whole configuration. Nothing is kept.
        extra = f"set ssl_ca_certificates_file='{ca}'; set record=''; set copy=no"
        shell = '"$0" -n -F "$1" -e "$2" -s "$3" -- "$4" < "$5"'
        argv = ["sh", "-c", shell, program, str(path), extra, subject, RCPT, str(tmp / "body")]
        return argv, {"HOME": str(tmp), "TERM": "dumb"}

    return command


def _s_nail(path: Path, ca: Path, tmp: Path, subject: str) -> tuple[list[str], dict[str, str]]:
    (tmp / "body").write_text("sent by the export test\n")
    shell = '"$0" -:u -# -S tls-ca-file="$1" -S tls-ca-no-defaults -S nosave -s "$2" "$3" < "$4"'
    argv = ["sh", "-c", shell, "s-nail", str(ca), subject, RCPT, str(tmp / "body")]
    return argv, {"HOME": str(tmp), "MAILRC": str(path)}


CONSUMERS: dict[str, Consumer] = {
    "fluentsmtp": Consumer(("php",), _php("fluentsmtp")),
    "joomla": Consumer(("php",), _php("joomla")),
    # Debian's Symfony Mailer is 5.4: require_tls (7.3) is not there; Nextcloud has no option.
    "drupal": Consumer(("php",), _php("drupal"), refuses_stripped=False, from_header=False),
    "nextcloud": Consumer(("php",), _php("nextcloud"), refuses_stripped=False, from_header=False),
    # GitLab and Discourse only have enable_starttls_auto; Debian's mail gem 2.7 predates the
    # enable_starttls that Mastodon 4.3 sets (mail 2.8), so here it falls back to "auto" too.
    "gitlab": Consumer(("ruby",), _ruby("gitlab"), refuses_stripped=False),
    "mastodon": Consumer(("ruby",), _ruby("mastodon"), refuses_stripped=False),
    "discourse": Consumer(("ruby",), _ruby("discourse"), refuses_stripped=False, from_header=False),
    "ghost": Consumer(("node",), _ghost),
    # Home Assistant writes "Name <address>" unquoted into From:, so our name is not checked.
    "home-assistant": Consumer((), _home_assistant, from_header=False),
    "neomutt": Consumer(("neomutt",), _mutt("neomutt")),
    "mutt": Consumer(("mutt",), _mutt("mutt")),
    # s-nail re-encodes a name that mixes non-ASCII and quotes word by word, dropping the
    # quote marks ("Zoë Zo O'Brien"): the address is checked, the name is not.
    "s-nail": Consumer(("s-nail",), _s_nail, by_name=True, from_header=False),
}


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with Lab(username=USERNAME, password=PASSWORD) as running:
        yield running


def _send(lab: Lab, ep: LabEndpoint, format_id: str, tmp: Path) -> tuple[str, int, str]:
    consumer = CONSUMERS[format_id]
    require(*consumer.tools)
    settings, account = settings_for(ep)
    if consumer.by_name:  # the lab's certificates also name localhost
        settings = dataclasses.replace(settings, host="localhost")
    result = render_export(format_id, settings, account, include_password=True, password=PASSWORD)
    path = save(result, tmp)
    subject = f"{format_id} via {ep.scenario} {uuid.uuid4().hex[:8]}"
    argv, env = consumer.command(path, lab.ca_file, tmp, subject)
    proc = subprocess.run(
        argv, capture_output=True, text=True, timeout=60, env={**_base_env(), **env}, check=False
    )
    return subject, proc.returncode, proc.stdout + proc.stderr


def _base_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key != "SMTP_PASSWORD"}


@pytest.mark.parametrize("scenario", ["starttls_ok", "tls_ok"])
@pytest.mark.parametrize("format_id", sorted(CONSUMERS))
def test_the_app_sends_with_the_export(
    lab: Lab, format_id: str, scenario: str, tmp_path: Path
) -> None:
    ep = lab.start(scenario)
    subject, code, output = _send(lab, ep, format_id, tmp_path)
    assert code == 0, output
    assert_delivered(ep, subject, from_header=CONSUMERS[format_id].from_header)


REFUSALS = [
    (format_id, scenario)
    for format_id, consumer in sorted(CONSUMERS.items())
    for scenario in ("starttls_stripped", "hostname_mismatch")
    if scenario == "hostname_mismatch" or consumer.refuses_stripped
]


@pytest.mark.parametrize(("format_id", "scenario"), REFUSALS)
def test_the_app_refuses_an_unsafe_server(
    lab: Lab, format_id: str, scenario: str, tmp_path: Path
) -> None:
    ep = lab.start(scenario)
    _, code, output = _send(lab, ep, format_id, tmp_path)
    assert ep.wait_idle(10)
    assert code != 0, f"{format_id} sent through {scenario}: {output}"
    assert ep.auth_attempts == [], f"{format_id} gave its password to {scenario}"
    assert ep.messages == []
