"""Exports of an OAuth2 account, read the way their consumers read them: Thunderbird's prefs by
node evaluating user.js (as tests/exporters does), the autoconfig XML by its schema's fields.
msmtp's export is sent through Dovecot for real in test_oauth_cli.py."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from defusedxml import ElementTree

from smtpwizard.core.exporters import ExportError, render_export
from smtpwizard.core.settings import (
    Account,
    IncomingProtocol,
    IncomingServer,
    Security,
    ServerSettings,
)

SETTINGS = ServerSettings("smtp.office365.com", 587, Security.STARTTLS, username="anna@contoso.com")
ACCOUNT = Account(
    "anna@contoso.com",
    "Anna",
    IncomingServer(IncomingProtocol.IMAP, "outlook.office365.com", 993, Security.TLS),
)


def test_thunderbird_user_js_signs_in_with_oauth2(tmp_path: Path) -> None:
    result = render_export("thunderbird-userjs", SETTINGS, ACCOUNT, oauth2=True)
    path = tmp_path / "user.js"
    path.write_bytes(result.data)
    script = (
        "const prefs = {}; const user_pref = (k, v) => { prefs[k] = v; };"
        "eval(require('fs').readFileSync(process.argv[1], 'utf8'));"
        "console.log(JSON.stringify(prefs));"
    )
    out = subprocess.run(
        ["node", "-e", script, str(path)], capture_output=True, text=True, timeout=30, check=True
    )
    prefs = json.loads(out.stdout)
    assert prefs["mail.smtpserver.smtpwizard.authMethod"] == 10  # nsMsgAuthMethod OAuth2
    assert prefs["mail.smtpserver.smtpwizard.username"] == "anna@contoso.com"
    plain = render_export("thunderbird-userjs", SETTINGS, ACCOUNT)
    assert b'authMethod", 3)' in plain.data  # the password way is unchanged


def test_thunderbird_autoconfig_says_oauth2_both_ways() -> None:
    root = ElementTree.fromstring(
        render_export("thunderbird-autoconfig", SETTINGS, ACCOUNT, oauth2=True).data
    )
    provider = root.find("emailProvider")
    assert provider.findtext("outgoingServer/authentication") == "OAuth2"
    assert provider.findtext("incomingServer/authentication") == "OAuth2"


def test_msmtp_export_uses_the_token_helper() -> None:
    text = render_export("msmtp", SETTINGS, ACCOUNT, oauth2=True).text
    assert "auth oauthbearer\n" in text
    assert 'passwordeval "smtpwizard oauth token --user anna@contoso.com"\n' in text
    assert "secret-tool" not in text and "password " not in text


@pytest.mark.parametrize(
    "format_id", ["phpmailer", "django", "laravel-env", "nodemailer", "wp-mail-smtp"]
)
def test_formats_without_oauth2_say_so(format_id: str) -> None:
    with pytest.raises(ExportError) as caught:
        render_export(format_id, SETTINGS, ACCOUNT, oauth2=True)
    assert "cannot sign in with OAuth2" in caught.value.message


def test_no_password_with_oauth2() -> None:
    with pytest.raises(ExportError):
        render_export("msmtp", SETTINGS, ACCOUNT, oauth2=True, include_password=True, password="x")


def test_the_card_explains_oauth2_and_wordpress() -> None:
    html = render_export("card-html", SETTINGS, ACCOUNT, oauth2=True).text
    assert "OAuth2" in html and "there is no password to type" in html
    assert "Other SMTP" in html and "Microsoft 365 / Outlook" in html
    assert "your email password" not in html
    data = json.loads(render_export("settings-json", SETTINGS, ACCOUNT, oauth2=True).text)
    assert data["outgoing"]["sign_in"] == "oauth2"
    pdf = render_export("card-pdf", SETTINGS, ACCOUNT, oauth2=True)
    assert pdf.data.startswith(b"%PDF")
