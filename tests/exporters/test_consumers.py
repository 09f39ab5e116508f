"""Real consumers read our exports and send through real SMTP servers on loopback (the lab).

Each test writes the export as a user would, hands it to the real program (msmtp, Django,
Nodemailer, PHPMailer, swaks via the settings card), and asserts the lab server received the
message, authenticated with the right username over the expected encryption. TLS is verified
against the lab's CA through each consumer's own CA option or standard variable; never off.
"""

from __future__ import annotations

import email
import email.policy
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from smtpwizard.core.credentials import credential_key
from smtpwizard.core.exporters import render_export
from smtpwizard.core.settings import Account, Security, ServerSettings
from tests.labkit import Lab, LabEndpoint

from .conftest import require
from .readers import card_fields, run, save

pytestmark = pytest.mark.consumer

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# ASCII: Python's smtplib (under Django) cannot send non-ASCII credentials at all; non-ASCII
# values are covered by test_roundtrip.py against each format's parser.
USERNAME = "zoe.o'brien+lab@lab.test"
PASSWORD = "pa\"ss'w\\o$rd #;! `x` $(id)"
SENDER = "zoe.o'brien@lab.test"
NAME = 'Zoë "Zo" O\'Brien $HOME'
RCPT = "bob@lab.test"
SCENARIOS = ["starttls_ok", "tls_ok", "plain_ok"]


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with Lab(username=USERNAME, password=PASSWORD) as running:
        yield running


def settings_for(ep: LabEndpoint) -> tuple[ServerSettings, Account]:
    settings = ServerSettings(
        host=ep.host,
        port=ep.port,
        security=ep.security,
        username=USERNAME,
        allow_insecure_auth=ep.security is Security.NONE,
    )
    return settings, Account(email=SENDER, display_name=NAME)


def assert_delivered(ep: LabEndpoint, subject: str, *, from_header: bool = True) -> None:
    assert ep.wait_messages(1, timeout=10), f"{ep.scenario}: nothing arrived"
    [message] = [m for m in ep.messages if subject.encode() in m.data]
    assert message.mail_from == SENDER
    assert message.rcpt_tos == [RCPT]
    parsed = email.message_from_bytes(message.data, policy=email.policy.default)
    assert parsed["Subject"] == subject
    if from_header:  # the display name survived the consumer's own header encoding
        sender = parsed["From"].addresses[0]
        assert (sender.display_name, sender.addr_spec) == (NAME, SENDER)
    attempt = ep.auth_attempts[-1]
    assert attempt.username == USERNAME
    assert attempt.encrypted is (ep.security is not Security.NONE)


def _subject(tool: str, ep: LabEndpoint) -> str:
    return f"{tool} via {ep.scenario} {uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_nodemailer_sends_with_the_exported_transport(
    lab: Lab, scenario: str, tmp_path: Path
) -> None:
    require("node")
    if not (HERE / "node" / "node_modules" / "nodemailer").is_dir():
        pytest.fail("Nodemailer is not installed: run scripts/setup.sh test", pytrace=False)
    ep = lab.start(scenario)
    path = save(render_export("nodemailer", *settings_for(ep)), tmp_path)
    subject = _subject("nodemailer", ep)
    env = {"NODE_EXTRA_CA_CERTS": str(lab.ca_file), "SMTP_PASSWORD": PASSWORD}
    run(["node", str(HERE / "node" / "send.cjs"), str(path), RCPT, subject], env=env)
    assert_delivered(ep, subject)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_django_send_mail_with_the_exported_settings(
    lab: Lab, scenario: str, tmp_path: Path
) -> None:
    ep = lab.start(scenario)
    path = save(render_export("django", *settings_for(ep)), tmp_path)
    subject = _subject("django", ep)
    env = {"SSL_CERT_FILE": str(lab.ca_file), "SMTP_PASSWORD": PASSWORD}
    script = HERE / "python" / "django_send.py"
    run([sys.executable, str(script), str(path), RCPT, subject], env=env)
    assert_delivered(ep, subject)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_phpmailer_sends_with_the_exported_snippet(lab: Lab, scenario: str, tmp_path: Path) -> None:
    require("php")
    ep = lab.start(scenario)
    path = save(render_export("phpmailer", *settings_for(ep)), tmp_path)
    subject = _subject("phpmailer", ep)
    php = ["php", "-d", f"openssl.cafile={lab.ca_file}", str(HERE / "php" / "send.php")]
    run([*php, str(path), RCPT, subject], env={"SMTP_PASSWORD": PASSWORD})
    assert_delivered(ep, subject)


def _message(subject: str) -> bytes:
    return f"To: {RCPT}\nSubject: {subject}\n\nsent by the export test\n".encode()


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_msmtp_reads_the_password_from_the_real_keychain(
    lab: Lab, scenario: str, tmp_path: Path
) -> None:
    """The default msmtp export runs `secret-tool lookup ...`: a private gnome-keyring holds
    the password, stored there by smtpwizard's own credentials module."""
    require("msmtp", "secret-tool", "dbus-run-session", "gnome-keyring-daemon")
    ep = lab.start(scenario)
    settings, account = settings_for(ep)
    result = render_export("msmtp", settings, account)
    assert b"passwordeval" in result.data and PASSWORD.encode() not in result.data
    path = save(result, tmp_path)
    subject = _subject("msmtp", ep)
    (tmp_path / "message").write_bytes(_message(subject))
    store = (
        "import os; from smtpwizard.core.credentials import save_password_sync;"
        "save_password_sync(os.environ['KEY'], os.environ['SECRET'])"
    )
    shell = '"$0" -c "$1" && msmtp -C "$2" --tls-trust-file="$3" "$4" < "$5"'
    args = [sys.executable, store, str(path), str(lab.ca_file), RCPT, str(tmp_path / "message")]
    env = {"KEY": credential_key(settings), "SECRET": PASSWORD}
    run([str(ROOT / "scripts" / "with-keyring"), "sh", "-c", shell, *args], env=env, timeout=60)
    assert_delivered(ep, subject, from_header=False)


def test_msmtp_with_the_password_in_the_file(lab: Lab, tmp_path: Path) -> None:
    require("msmtp")
    ep = lab.start("starttls_ok")
    result = render_export("msmtp", *settings_for(ep), include_password=True, password=PASSWORD)
    path = save(result, tmp_path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"  # msmtp insists on it
    subject = _subject("msmtp-password", ep)
    (tmp_path / "message").write_bytes(_message(subject))
    cmd = f'msmtp -C "{path}" --tls-trust-file="{lab.ca_file}" {RCPT} < "{tmp_path / "message"}"'
    run(["sh", "-c", cmd])
    assert_delivered(ep, subject, from_header=False)


@pytest.mark.parametrize("scenario", ["starttls_ok", "tls_ok"])
def test_swaks_sends_with_the_values_on_the_settings_card(
    lab: Lab, scenario: str, tmp_path: Path
) -> None:
    """A person copies the card's values into a mail program; swaks stands in for it."""
    require("swaks")
    ep = lab.start(scenario)
    card = card_fields(render_export("card-html", *settings_for(ep)).data)
    encryption = {"STARTTLS": "--tls", "SSL/TLS": "--tls-on-connect"}[card["outgoing.security"]]
    assert card["outgoing.password"] == "your email password (or app password)"
    subject = _subject("swaks", ep)
    run(
        [
            "swaks",
            "--server", card["outgoing.host"],
            "--port", card["outgoing.port"],
            encryption,
            "--tls-verify",
            "--tls-ca-path", str(lab.ca_file),
            "--auth", "PLAIN",
            "--auth-user", card["outgoing.username"],
            "--auth-password", PASSWORD,  # what the person types where the card says so
            "--from", card["account.email"],
            "--to", RCPT,
            "--header", f"Subject: {subject}",
            "--timeout", "15",
        ]
    )  # fmt: skip
    assert_delivered(ep, subject, from_header=False)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_symfony_mailer_sends_through_the_exported_dsn(
    lab: Lab, scenario: str, tmp_path: Path
) -> None:
    """Debian's Symfony Mailer is 5.4: it ignores require_tls/auto_tls (7.x), so this proves the
    scheme, host, port and the URL-encoded credentials."""
    require("php")
    ep = lab.start(scenario)
    path = save(render_export("symfony-dsn", *settings_for(ep)), tmp_path)
    subject = _subject("symfony", ep)
    php = ["php", "-d", f"openssl.cafile={lab.ca_file}", str(HERE / "php" / "symfony_send.php")]
    env = {"SMTP_PASSWORD": quote(PASSWORD, safe="")}  # the export says: URL-encoded
    run([*php, str(path), RCPT, subject, SENDER, NAME], env=env)
    assert_delivered(ep, subject)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_rails_mail_gem_sends_with_the_exported_smtp_settings(
    lab: Lab, scenario: str, tmp_path: Path
) -> None:
    """The mail gem is what Action Mailer delivers with; Debian's 2.7 predates enable_starttls
    (2.8) and falls back to STARTTLS-when-offered, which the lab then requires."""
    require("ruby")
    ep = lab.start(scenario)
    path = save(render_export("rails", *settings_for(ep)), tmp_path)
    subject = _subject("rails", ep)
    env = {"SSL_CERT_FILE": str(lab.ca_file), "SMTP_PASSWORD": PASSWORD}
    run(["ruby", str(HERE / "ruby" / "send_rails.rb"), str(path), RCPT, subject], env=env)
    assert_delivered(ep, subject)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_git_send_email_with_the_exported_config(lab: Lab, scenario: str, tmp_path: Path) -> None:
    """The export is git's global config here; the password is in it (include_password), since
    the default hands it to git's credential helper instead."""
    require("git")
    ep = lab.start(scenario)
    result = render_export(
        "git-send-email", *settings_for(ep), include_password=True, password=PASSWORD
    )
    config = save(result, tmp_path)
    subject = _subject("git-send-email", ep)
    message = tmp_path / "message.eml"
    message.write_text(f"Subject: {subject}\n\nsent by the export test\n")
    env = {"GIT_CONFIG_GLOBAL": str(config), "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path)}
    # Every git user has an identity; git send-email refuses to run without one.
    for who in ("AUTHOR", "COMMITTER"):
        env |= {f"GIT_{who}_NAME": "Test", f"GIT_{who}_EMAIL": "test@lab.test"}
    command = ["git", "send-email", "--to", RCPT, "--confirm=never", "--suppress-cc=all"]
    command += ["--smtp-ssl-cert-path", str(lab.ca_file), "--no-validate", str(message)]
    run(command, env=env)
    assert_delivered(ep, subject)
