"""An unencrypted sign-in the user allowed still protects the password where it can.

- With --allow-insecure-auth on a server offering CRAM-MD5 and PLAIN we used to sign in with
  PLAIN, putting the password on the wire in base64; CRAM-MD5 (a challenge-response) is now
  preferred on an unencrypted connection. The scripted server records every AUTH line.
- "password-encrypted" in a provider's configuration document is honoured: only CRAM-MD5,
  and no sign-in at all when the server does not offer it.
- The wizard gives the per-server permission its fix text talks about: a warning and a tick
  naming the server, then the sign-in (with CRAM-MD5) happens.
"""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
from pathlib import Path

import pytest
import trustme

from smtpwizard.core.check import CheckOptions, run_check
from smtpwizard.core.discovery.clientconfig import parse_client_config
from smtpwizard.core.discovery.model import SourceKind
from smtpwizard.core.discovery.source import config_candidates
from smtpwizard.core.settings import Security, ServerSettings
from tests.gui import conftest as gui_fixtures

from .children import PASSWORD_ENV, run_cli
from .scripted_smtp import Script, ScriptedServer, scripted

_session_qloop = gui_fixtures._session_qloop
qloop = gui_fixtures.qloop
isolated_config = gui_fixtures.isolated_config

HOST = "127.0.10.6"
PASSWORD = "Plain-Wire-93kd"


def password_on_the_wire(server: ScriptedServer) -> list[str]:
    """Where the password itself crossed: raw, or base64 at any offset of an AUTH line."""
    found = []
    raw = PASSWORD.encode()
    for _encrypted, lines in server.seen.auth:
        for line in lines:
            if raw in line:
                found.append("raw")
            for word in line.split():
                try:
                    if raw in base64.b64decode(word, validate=True):
                        found.append(f"base64 in {line[:20]!r}")
                except ValueError:
                    continue
    return found


def test_cram_md5_is_preferred_when_unencrypted_sign_in_was_allowed(tmp_path: Path) -> None:
    with scripted(Script(mechanisms=b"PLAIN LOGIN CRAM-MD5"), None, HOST) as server:
        done = run_cli(
            [
                "check", "--host", HOST, "--port", str(server.port), "--security", "none",
                "--allow-insecure-auth", "--user", "anna@plain.test",
                "--password-env", PASSWORD_ENV, "--timeout", "10", "--json",
            ],
            home=tmp_path,
            password=PASSWORD,
        )  # fmt: skip
    report = json.loads(done.stdout)
    assert report["diagnosis"]["code"] == "ok", report["diagnosis"]
    [(encrypted, lines)] = server.seen.auth
    assert not encrypted and lines[0] == b"AUTH CRAM-MD5"
    assert password_on_the_wire(server) == []
    assert any("with CRAM-MD5, UNENCRYPTED" in step["detail"] for step in report["steps"])


@pytest.fixture(scope="module")
def tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(HOST).configure_cert(context)
    return context


DOCUMENT = b"""<?xml version="1.0"?>
<clientConfig version="1.1"><emailProvider id="enc.test"><domain>enc.test</domain>
<outgoingServer type="smtp"><hostname>127.0.10.6</hostname><port>587</port>
<socketType>STARTTLS</socketType><username>%EMAILADDRESS%</username>
<authentication>password-encrypted</authentication></outgoingServer>
</emailProvider></clientConfig>"""


def _settings_from_the_document(port: int) -> ServerSettings:
    config = parse_client_config(DOCUMENT, "anna@enc.test")
    [candidate] = config_candidates(
        config,
        email="anna@enc.test",
        domain="enc.test",
        source=SourceKind.AUTOCONFIG,
        trusted=True,
        detail="",
    )
    settings = candidate.to_settings()
    assert settings is not None and settings.password_encrypted
    return settings.with_changes(port=port)


@pytest.mark.parametrize(("offered", "signs_in"), [(b"PLAIN LOGIN CRAM-MD5", True), (b"PLAIN LOGIN", False)])  # fmt: skip # noqa: E501
def test_password_encrypted_from_a_document_is_honoured(
    tls: ssl.SSLContext, ca_file: Path, offered: bytes, signs_in: bool
) -> None:
    with scripted(Script(mechanisms=offered), tls, HOST) as server:
        settings = _settings_from_the_document(server.port)
        result = asyncio.run(
            run_check(settings, password=PASSWORD, options=CheckOptions(ca_file=str(ca_file)))
        )
    mechanisms = [lines[0] for _, lines in server.seen.auth]
    if signs_in:
        assert result.ok, result.diagnosis
        assert mechanisms == [b"AUTH CRAM-MD5"]
    else:
        assert result.diagnosis.code == "auth_mechanism_unsupported"
        assert "must be sent encrypted" in result.diagnosis.explanation
        assert mechanisms == []
    assert password_on_the_wire(server) == []


def test_the_wizard_gives_the_permission_per_server_with_a_plain_warning(
    qtbot, qloop, isolated_config
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    from smtpwizard.ui.state import WizardState
    from smtpwizard.ui.wizard import SetupWizard
    from tests.gui.flows import fill_email, fill_server, fill_sign_in, wait_for_test

    wizard = SetupWizard(WizardState())
    qtbot.addWidget(wizard)
    wizard.show()
    try:
        with scripted(Script(mechanisms=b"PLAIN CRAM-MD5"), None, HOST) as server:
            fill_email(qtbot, wizard, "anna@plain.test", manual=True)
            fill_server(qtbot, wizard, HOST, server.port, Security.NONE)
            fill_sign_in(qtbot, wizard, "anna@plain.test", PASSWORD, send_to=None)
            page, result = wait_for_test(qtbot, wizard)
            card = page.card
            assert result.diagnosis.code == "plaintext_auth_refused"
            assert server.seen.auth == []
            assert card.warning.isVisible() and "readable by anyone" in card.warning.text()
            assert HOST in card.consent.text() and not card.apply.isEnabled()
            card.consent.setChecked(True)
            page.state.last_result = None
            qtbot.mouseClick(card.apply, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(
                lambda: page.state.last_result is not None and not page.runner.running,
                timeout=20000,
            )
            assert page.state.settings.allow_insecure_auth is True
            assert page.state.last_result.ok, page.state.last_result.diagnosis
            assert [lines[0] for _, lines in server.seen.auth] == [b"AUTH CRAM-MD5"]
            assert password_on_the_wire(server) == []
    finally:
        wizard.stop_everything()
