"""Structure the consumers require, checked with their rules: Thunderbird's autoconfig reader,
Apple's profile keys, Outlook's Autodiscover and PRF, php -l, postconf and postmap."""

from __future__ import annotations

import dataclasses
import plistlib
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from defusedxml import ElementTree

from smtpwizard.core.exporters import FORMATS, render_export
from smtpwizard.core.settings import IncomingProtocol, IncomingServer, Security

from .conftest import require
from .readers import run, save, settle
from .samples import sample

POP = IncomingServer(IncomingProtocol.POP3, "pop.example.com", 995, Security.TLS)
VARIANTS = {
    "starttls-imap": sample(Security.STARTTLS),
    "tls-pop3": sample(Security.TLS, incoming=POP),
    "none-noauth": sample(Security.NONE, username=None),
}
_SOCKET_TYPES = {"plain", "SSL", "STARTTLS"}
_AUTH = {"none", "client-IP-address", "smtp-after-pop", "password-cleartext"}
_AUTH |= {"password-encrypted", "GSSAPI", "NTLM", "OAuth2"}


def _check_server(server: ElementTree.Element, with_password: bool) -> None:
    assert server.findtext("hostname")
    assert 1 <= int(server.findtext("port")) <= 65535
    assert server.findtext("socketType") in _SOCKET_TYPES
    assert server.findtext("authentication") in _AUTH
    if server.findtext("authentication").startswith("password"):
        assert server.findtext("username"), "password methods need a username"
    assert server.find("password") is None  # not in the published format


@pytest.mark.parametrize("variant", VARIANTS)
def test_thunderbird_autoconfig_has_what_thunderbirds_reader_requires(variant: str) -> None:
    settings, account = VARIANTS[variant]
    root = ElementTree.fromstring(render_export("thunderbird-autoconfig", settings, account).data)
    assert root.tag == "clientConfig" and root.get("version") == "1.1"
    [provider] = root.findall("emailProvider")
    assert provider.get("id") == "example.com"
    assert [d.text for d in provider.findall("domain")] == ["example.com"]
    incoming = provider.findall("incomingServer")
    assert len(incoming) == 1 and incoming[0].get("type") == account.incoming.protocol.value
    _check_server(incoming[0], True)
    [outgoing] = provider.findall("outgoingServer")
    assert outgoing.get("type") == "smtp"
    _check_server(outgoing, settings.username is not None)
    auth = outgoing.findtext("authentication")
    assert auth == ("password-cleartext" if settings.username else "none")


@pytest.mark.parametrize("variant", VARIANTS)
def test_apple_profile_loads_and_holds_the_required_keys_and_no_password(variant: str) -> None:
    settings, account = VARIANTS[variant]
    data = render_export("apple-mobileconfig", settings, account).data
    profile = plistlib.loads(data)
    assert profile["PayloadType"] == "Configuration" and profile["PayloadVersion"] == 1
    uuid.UUID(profile["PayloadUUID"])
    [mail] = profile["PayloadContent"]
    assert mail["PayloadType"] == "com.apple.mail.managed" and mail["PayloadVersion"] == 1
    uuid.UUID(mail["PayloadUUID"])
    for key in (
        "EmailAccountType",
        "IncomingMailServerHostName",
        "IncomingMailServerAuthentication",
        "OutgoingMailServerHostName",
        "OutgoingMailServerAuthentication",
    ):
        assert mail[key], key
    assert mail["EmailAccountType"] in {"EmailTypeIMAP", "EmailTypePOP"}
    assert isinstance(mail["OutgoingMailServerPortNumber"], int)
    assert not {"OutgoingPassword", "IncomingPassword"} & set(mail)
    # The same account gives the same identifiers: reinstalling replaces, not duplicates.
    assert data == render_export("apple-mobileconfig", settings, account).data


def test_outlook_autodiscover_writes_ssl_and_encryption_for_every_server() -> None:
    root = ElementTree.fromstring(render_export("outlook-autodiscover", *sample()).data)
    ns = "{http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a}"
    assert root.tag.endswith("}Autodiscover")
    account = root.find(f"{ns}Response/{ns}Account")
    assert account.findtext(ns + "AccountType") == "email"
    assert account.findtext(ns + "Action") == "settings"
    protocols = account.findall(ns + "Protocol")
    assert [p.findtext(ns + "Type") for p in protocols] == ["IMAP", "SMTP"]
    for protocol in protocols:
        assert protocol.findtext(ns + "SSL") in {"on", "off"}
        assert protocol.findtext(ns + "Encryption") in {"None", "SSL", "TLS"}
    assert b"Password" not in render_export("outlook-autodiscover", *sample()).data


def test_outlook_prf_is_ascii_or_utf16_with_a_bom() -> None:
    ascii_prf = render_export("outlook-prf", *sample(name="Anna")).data
    assert ascii_prf.isascii() and b"\r\n[Account1]\r\n" in ascii_prf
    unicode_prf = render_export("outlook-prf", *sample(name="Zoë 日本")).data
    assert unicode_prf.startswith(b"\xff\xfe")
    text = unicode_prf[2:].decode("utf-16-le")
    assert "DisplayName=Zoë 日本\r\n" in text
    assert "Account1=IMAP_I_Mail" in text and "[IMAP_I_Mail]" in text


PHP_FORMATS = [fmt.id for fmt in FORMATS if fmt.file_name_for(None).endswith(".php")]  # type: ignore[arg-type]


@pytest.mark.consumer
@pytest.mark.parametrize("variant", VARIANTS)
def test_php_lint_accepts_every_php_export(variant: str, tmp_path: Path) -> None:
    require("php")
    assert PHP_FORMATS == [
        "wp-mail-smtp",
        "easy-wp-smtp",
        "phpmailer",
        "fluentsmtp",
        "joomla",
        "drupal",
        "nextcloud",
    ]
    for format_id in PHP_FORMATS:
        path = save(render_export(format_id, *VARIANTS[variant]), tmp_path)
        assert "No syntax errors" in run(["php", "-l", str(path)])


@pytest.mark.consumer
@pytest.mark.parametrize("variant", VARIANTS)
def test_postconf_reads_main_cf_without_a_warning(variant: str, tmp_path: Path) -> None:
    """postconf warns about unknown (misspelled) parameter names: none may appear."""
    require("postconf")
    shutil.copy("/etc/postfix/master.cf", tmp_path)  # the package's own
    (tmp_path / "main.cf").write_bytes(render_export("postfix-main-cf", *VARIANTS[variant]).data)
    settle(tmp_path / "main.cf")
    proc = subprocess.run(
        ["postconf", "-c", str(tmp_path), "-n"], capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    names = {line.split(" = ")[0] for line in proc.stdout.splitlines()}
    assert "relayhost" in names
    assert ("smtp_sasl_auth_enable" in names) is (VARIANTS[variant][0].username is not None)


@pytest.mark.consumer
def test_postmap_builds_the_sasl_table_postfix_looks_up(tmp_path: Path) -> None:
    require("postmap")
    settings, account = sample(Security.TLS)
    shutil.copy("/etc/postfix/master.cf", tmp_path)
    (tmp_path / "main.cf").write_bytes(render_export("postfix-main-cf", settings, account).data)
    settle(tmp_path / "main.cf")
    table = tmp_path / "sasl_passwd"
    result = render_export(
        "postfix-sasl-passwd", settings, account, include_password=True, password="s3 cr:et"
    )
    table.write_bytes(result.data)
    run(["postmap", "-c", str(tmp_path), f"hash:{table}"])
    relayhost = run(["postconf", "-c", str(tmp_path), "-h", "relayhost"]).strip()
    found = run(["postmap", "-c", str(tmp_path), "-q", relayhost, f"hash:{table}"])
    assert found == "anna@example.com:s3 cr:et\n"


@pytest.mark.consumer
def test_postconf_reads_a_pinned_ipv6_relayhost(tmp_path: Path) -> None:
    """An IP relayhost is only written with a pinned certificate (a name check could never
    pass); Postfix's own parser takes the [ipv6:...] literal and the fingerprint settings."""
    require("postconf")
    settings, account = VARIANTS["starttls-imap"]
    pinned = dataclasses.replace(settings, host="2001:db8::25", trusted_fingerprint="ab" * 32)
    shutil.copy("/etc/postfix/master.cf", tmp_path)
    (tmp_path / "main.cf").write_bytes(render_export("postfix-main-cf", pinned, account).data)
    settle(tmp_path / "main.cf")
    proc = subprocess.run(
        ["postconf", "-c", str(tmp_path), "-h", "relayhost", "smtp_tls_security_level"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert proc.stdout.split() == ["[ipv6:2001:db8::25]:587", "fingerprint"]
