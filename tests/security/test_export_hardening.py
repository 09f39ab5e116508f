"""Exports never let a wrong certificate or a stripped STARTTLS through to the password.

Spring Boot: Jakarta Mail before Angus Mail 1.1 does not check that the server's certificate
names the host it connected to unless mail.smtp.ssl.checkserveridentity=true. The real Jakarta
Mail (Debian's 2.0.0, driven the way Spring Boot drives it: tests/exporters/java/SpringSend.java)
reads the exported application.properties and connects to a real aiosmtpd server with STARTTLS
whose certificate is valid, from a trusted authority, but for mail.attacker.test. A control run
with that one line removed proves the consumer would otherwise sign in there.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from smtpwizard.core.exporters import render_export
from smtpwizard.core.settings import Account, Security, ServerSettings

from .impostor import Impostor, impostor
from .scripted_smtp import Script, scripted

HOST = "127.0.10.7"
PASSWORD = "Spring-Secret-51x"
EXPORTS = Path(__file__).resolve().parents[1] / "exporters"
JARS = ["/usr/share/java/jakarta-mail.jar", "/usr/share/java/jakarta-activation.jar"]
CHECK_IDENTITY = "spring.mail.properties.mail.smtp.ssl.checkserveridentity=true"


@pytest.fixture(scope="module")
def java_classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    missing = [jar for jar in JARS if not Path(jar).is_file()]
    if missing:
        pytest.fail(f"missing {missing}: run scripts/setup.sh test", pytrace=False)
    out = tmp_path_factory.mktemp("spring-java")
    source = EXPORTS / "java" / "SpringSend.java"
    subprocess.run(
        ["javac", "-cp", ":".join(JARS), "-d", str(out), str(source)], check=True, timeout=120
    )
    return out


@pytest.fixture(scope="module")
def trust_store(ca_file: Path) -> Path:
    store = ca_file.parent / "trust.p12"
    subprocess.run(
        [
            "keytool", "-importcert", "-noprompt", "-alias", "lab-ca", "-file", str(ca_file),
            "-keystore", str(store), "-storetype", "PKCS12", "-storepass", "changeit",
        ],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return store


@pytest.fixture
def attacker(ca: trustme.CA) -> Iterator[Impostor]:
    """STARTTLS with a valid certificate for another name than the address we connect to."""
    with impostor(ca, HOST, "mail.attacker.test") as server:
        yield server


def spring_export(port: int, tmp_path: Path, *, drop: str | None = None) -> Path:
    settings = ServerSettings(HOST, port, Security.STARTTLS, "anna@victim.test")
    text = render_export("spring-properties", settings, Account("anna@victim.test", "")).text
    if drop is not None:
        assert drop in text
        text = text.replace(drop + "\n", "")
    path = tmp_path / "application.properties"
    path.write_text(text, encoding="iso-8859-1")
    return path


def send(classes: Path, store: Path, export: Path) -> subprocess.CompletedProcess[str]:
    command = [
        "java", f"-Djavax.net.ssl.trustStore={store}",
        "-Djavax.net.ssl.trustStorePassword=changeit",
        "-cp", ":".join([str(classes), *JARS]), "SpringSend", str(export),
        "bob@victim.test", "anna@victim.test", "spring export test",
    ]  # fmt: skip
    env = {"SMTP_PASSWORD": PASSWORD, "PATH": "/usr/bin:/bin"}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def test_spring_export_checks_the_server_identity_with_real_jakarta_mail(
    attacker: Impostor, java_classes: Path, trust_store: Path, tmp_path: Path
) -> None:
    export = spring_export(attacker.port, tmp_path)
    assert CHECK_IDENTITY in export.read_text()
    refused = send(java_classes, trust_store, export)
    assert refused.returncode != 0, refused.stdout
    assert "sent" not in refused.stdout
    assert attacker.auth == []
    # The control: Jakarta Mail 2.0.0 without that line signs in to the impostor.
    unsafe = spring_export(attacker.port, tmp_path, drop=CHECK_IDENTITY)
    accepted = send(java_classes, trust_store, unsafe)
    assert accepted.returncode == 0, accepted.stderr[-2000:]
    assert attacker.auth == [PASSWORD.encode()]


def test_spring_export_refuses_a_server_whose_starttls_was_stripped(
    java_classes: Path, trust_store: Path, tmp_path: Path
) -> None:
    """What a man in the middle does: the EHLO answer lists no STARTTLS."""
    with scripted(Script(offer_starttls=False), None, HOST) as server:
        result = send(java_classes, trust_store, spring_export(server.port, tmp_path))
    assert result.returncode != 0
    assert server.seen.auth == []


# ---------------------------------------------------------------- .env files a shell may source

SHELL_HOSTILE = {
    # a ' forces double quotes: $ and \ escaped there
    "display_name": 'Zoë O\'Brien $(touch {marker}-name) ${{HOME}} \\ "q"',
    # no ': single quotes, backticks and all
    "username": "anna`touch {marker}-user`$(touch {marker}-user2)@example.com",
    "password": "pw`touch {marker}-pw`$(touch {marker}-pw2)\\n$HOME#;",
}


def test_a_sourced_laravel_env_file_never_runs_a_command(tmp_path: Path) -> None:
    """`set -a; . ./.env` is how many deploy scripts load a .env: every value stays data, and
    bash reads the same value Laravel's phpdotenv does."""
    marker = tmp_path / "ran"
    values = {k: v.format(marker=marker) for k, v in SHELL_HOSTILE.items()}
    settings = ServerSettings("smtp.example.com", 587, Security.STARTTLS, values["username"])
    account = Account("anna@example.com", values["display_name"])
    text = render_export(
        "laravel-env", settings, account, include_password=True, password=values["password"]
    ).text
    env_file = tmp_path / "laravel.env"
    env_file.write_text(text)
    script = (
        'set -a; . "$1"; set +a; '
        'printf "%s\\0" "$MAIL_FROM_NAME" "$MAIL_USERNAME" "$MAIL_PASSWORD" "$MAIL_URL"'
    )
    done = subprocess.run(
        ["bash", "-c", script, "bash", str(env_file)], capture_output=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.glob("ran*")) == []  # nothing ran
    name, user, password, url = done.stdout.decode().split("\0")[:4]
    assert (name, user, password) == (
        values["display_name"],
        values["username"],
        values["password"],
    )
    assert url == "smtp://smtp.example.com:587?require_tls=true"
    # Laravel's own .env parser (vlucas/phpdotenv) reads the same values.
    code = (
        "require '/usr/share/php/Dotenv/autoload.php';"
        "echo json_encode(Dotenv\\Dotenv::parse(file_get_contents($argv[1])));"
    )
    php = subprocess.run(
        ["php", "-r", code, str(env_file)], capture_output=True, text=True, timeout=60
    )
    parsed = json.loads(php.stdout)
    assert parsed["MAIL_FROM_NAME"] == values["display_name"]
    assert parsed["MAIL_PASSWORD"] == values["password"]
    assert parsed["MAIL_URL"] == url
