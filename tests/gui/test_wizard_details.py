"""Keychain saving, keyboard and accessibility, pasted addresses, exports, and the demo walk."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTreeWidget,
)

from smtpwizard.core import oauth
from smtpwizard.core.settings import Security
from smtpwizard.ui.page_ids import PageId

from .flows import (
    click_enter_settings_myself,
    fill_email,
    fill_server,
    fill_sign_in,
    wait_for_test,
)

needs_keyring = pytest.mark.skipif(
    not os.environ.get("SMTPWIZARD_TEST_KEYRING"),
    reason="needs the private Secret Service of scripts/with-keyring",
)


def _assert_saved_then_forget(page, password):
    """The Test page says the password is saved, and the real keychain holds it (then not)."""
    from smtpwizard.core.credentials import credential_key, delete_password_sync, load_password_sync

    assert "saved in this computer's keychain" in page.keychain_note.text()
    key = credential_key(page.state.settings)
    try:
        assert load_password_sync(key) == password
    finally:
        delete_password_sync(key)


@needs_keyring
@pytest.mark.keychain
def test_password_is_saved_to_the_real_secret_service(qtbot, wizard, lab):
    ep = lab.start("starttls_ok")
    fill_email(qtbot, wizard, ep.username, manual=True)
    fill_server(qtbot, wizard, ep.host, ep.port, Security.STARTTLS)
    signin = wizard.page_of(PageId.SIGN_IN)
    qtbot.waitUntil(lambda: not signin.keychain.running, timeout=15000)
    assert signin.remember.isEnabled() and signin.remember.isChecked()
    fill_sign_in(qtbot, wizard, ep.username, ep.password, send_to=None)
    page, result = wait_for_test(qtbot, wizard)
    assert result.ok
    qtbot.waitUntil(lambda: not page.saver.running, timeout=15000)
    _assert_saved_then_forget(page, ep.password)


@needs_keyring
@pytest.mark.keychain
def test_next_before_the_keychain_has_answered_still_remembers_the_password(
    qtbot, wizard, lab, monkeypatch
):
    import asyncio

    from smtpwizard.core import credentials

    answer = asyncio.Event()
    real_status = credentials.keychain_status

    async def slow_status():  # a keychain that takes its time (D-Bus activation, a locked one)
        await answer.wait()
        return await real_status()

    monkeypatch.setattr(credentials, "keychain_status", slow_status)
    ep = lab.start("starttls_ok")
    fill_email(qtbot, wizard, ep.username, manual=True)
    fill_server(qtbot, wizard, ep.host, ep.port, Security.STARTTLS)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.SIGN_IN)
    signin = wizard.page_of(PageId.SIGN_IN)
    qtbot.keyClicks(signin.password.edit, ep.password)
    signin.send_test.setChecked(False)
    assert signin.keychain.running and not signin.remember.isEnabled()
    qtbot.keyClick(signin.password.edit, Qt.Key.Key_Return)  # Next, as a quick typist does
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.TEST)
    answer.set()
    page, result = wait_for_test(qtbot, wizard)
    assert result.ok
    qtbot.waitUntil(lambda: not page.saver.running and not signin.keychain.running, timeout=15000)
    _assert_saved_then_forget(page, ep.password)


def test_every_control_has_an_accessible_name_or_a_label(wizard):
    missing = []
    for page_id, page in wizard.pages.items():
        for kind in (QLineEdit, QComboBox, QSpinBox, QAbstractButton, QPlainTextEdit, QTreeWidget):
            for widget in page.findChildren(kind):
                if widget.accessibleName() or (
                    isinstance(widget, QAbstractButton) and widget.text()
                ):
                    continue
                if widget.parent() is not None and type(widget.parent()).__name__ in (
                    "QSpinBox",
                    "QComboBox",
                    "QAbstractSpinBox",
                    "QScrollBar",
                ):
                    continue
                if kind is QLineEdit and isinstance(widget.parent(), QSpinBox | QComboBox):
                    continue
                missing.append(f"{page_id.name}: {type(widget).__name__}")
    assert missing == []


def test_tab_order_on_the_sign_in_page_follows_the_form(qtbot, wizard):
    page = wizard.page_of(PageId.SIGN_IN)
    chain = [page.needs_login, page.username, page.password.edit, page.password.toggle]
    for current, expected in itertools.pairwise(chain):
        assert _next_focus(current, page) is expected
    # With "Sign in with ..." shown (oauth_box.py), it comes between username and password.
    page.oauth.configure(oauth.MICROSOFT, None)
    page.oauth.show()
    box = page.oauth
    chain = [page.username, box.client_id, box.sign_in_button, box.guide_button, page.password.edit]
    for current, expected in itertools.pairwise(chain):
        assert _next_focus(current, page) is expected


def _next_focus(widget, page):
    """Where Tab goes: the next widget in the chain that takes focus and is not hidden."""
    candidate = widget.nextInFocusChain()
    while candidate is not None and (
        not candidate.focusPolicy() or not candidate.isVisibleTo(page)
    ):
        candidate = candidate.nextInFocusChain()
    return candidate


def test_a_pasted_url_fills_port_and_encryption(qtbot, wizard):
    fill_email(qtbot, wizard, "anna@example.com", manual=True)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.SERVER)
    page = wizard.page_of(PageId.SERVER)
    qtbot.keyClicks(page.host, "  smtps://Mail.Example.com:465/ ")
    page.host.editingFinished.emit()
    assert page.host.text() == "mail.example.com"
    assert page.port.value() == 465
    assert page.current_security() is Security.TLS
    page.host.setText("https://example.com/login")
    page.host.editingFinished.emit()
    assert page.host_error.isVisible() or "not a mail server" in page.host_error.text()
    assert not page.validatePage()


def test_bad_email_gets_a_clear_message(qtbot, wizard):
    page = wizard.page_of(PageId.EMAIL)
    qtbot.keyClicks(page.email, "anna@@example")
    assert not page.validatePage()
    assert "exactly one '@'" in page.email_error.text()
    assert wizard.currentId() == PageId.EMAIL


def test_exports_are_grouped_previewed_and_saved(qtbot, wizard, lab, tmp_path):
    ep = lab.start("starttls_ok")
    fill_email(qtbot, wizard, ep.username, manual=True)
    fill_server(qtbot, wizard, ep.host, ep.port, Security.STARTTLS)
    fill_sign_in(qtbot, wizard, ep.username, ep.password, send_to=None)
    _, result = wait_for_test(qtbot, wizard)
    assert result.ok
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.DONE)
    panel = wizard.page_of(PageId.DONE)._exports
    assert panel.current_format().id == "card-html"  # for a mail program, the card first
    panel.select("msmtp")
    assert f"host {ep.host}" in panel.preview.toPlainText()
    assert ep.password not in panel.preview.toPlainText()
    written = panel.save_to(str(tmp_path / "msmtprc"))
    assert written is not None and written.read_text() == panel.preview.toPlainText()
    assert panel.open_folder.isEnabled()
    panel.include_password.setChecked(True)
    assert panel.password_warning.isVisible()
    secret_file = panel.save_to(str(tmp_path / "msmtprc-with-password"))
    assert secret_file is not None and ep.password in secret_file.read_text()
    assert secret_file.stat().st_mode & 0o777 == 0o600
    # Whole-account formats ask for the incoming server first.
    panel.select("thunderbird-autoconfig")
    assert panel.incoming.isVisible() and not panel.save.isEnabled()


def test_demo_walk_takes_a_screenshot_of_every_page(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SMTPWIZARD_CONFIG_DIR": str(tmp_path)}
    folder = tmp_path / "shots"
    proc = subprocess.run(
        [sys.executable, "-m", "smtpwizard", "gui", "--demo", "--screenshots", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in folder.glob("*.png"))
    assert names == [
        "01-email.png",
        "02-finding.png",
        "03-server.png",
        "04-sign-in.png",
        "05-test-diagnosis.png",
        "05-test-passed.png",
        "06-done.png",
    ]
    assert all((folder / n).stat().st_size > 5000 for n in names)


@needs_keyring
@pytest.mark.keychain
def test_a_saved_profile_is_reopened_and_tested_again(qtbot, qloop, lab, isolated_config):
    from smtpwizard.core.credentials import credential_key, delete_password_sync
    from smtpwizard.ui.state import WizardState
    from smtpwizard.ui.wizard import SetupWizard

    ep = lab.start("starttls_ok")
    first = SetupWizard(WizardState(ca_file=str(lab.ca_file)))
    qtbot.addWidget(first)
    first.show()
    fill_email(qtbot, first, ep.username, manual=True)
    fill_server(qtbot, first, ep.host, ep.port, Security.STARTTLS)
    fill_sign_in(qtbot, first, ep.username, ep.password, send_to=None)
    page, result = wait_for_test(qtbot, first)
    assert result.ok
    qtbot.waitUntil(lambda: not page.saver.running, timeout=15000)
    first.next()
    qtbot.waitUntil(lambda: first.currentId() == PageId.DONE)
    key = credential_key(page.state.settings)
    first.close()

    again = SetupWizard(WizardState(ca_file=str(lab.ca_file)))
    qtbot.addWidget(again)
    again.show()
    email = again.page_of(PageId.EMAIL)
    qtbot.waitUntil(lambda: email.saved_box.isVisible(), timeout=5000)
    assert ep.host in email.saved.currentText()
    qtbot.mouseClick(email.reopen, Qt.MouseButton.LeftButton)
    try:
        # Straight to the test, with the password from the keychain (not from a file). The
        # keychain may take a while when the machine is busy: its own deadline is 10 s.
        qtbot.waitUntil(lambda: again.currentId() != PageId.EMAIL, timeout=15000)
        assert again.currentId() == PageId.TEST, again.state.keychain_reason
        _, retest = wait_for_test(qtbot, again)
        assert again.state.password == ep.password
        assert again.state.settings.username == ep.username
        assert retest.ok, retest.diagnosis
    finally:
        delete_password_sync(key)


def test_provider_advice_comes_before_the_first_failure(qtbot, wizard):
    fill_email(qtbot, wizard, "anna@gmail.com", manual=True)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.SERVER)
    wizard.page_of(PageId.SERVER).host.setText("smtp.gmail.com")
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.SIGN_IN)
    hints = wizard.page_of(PageId.SIGN_IN).hints
    assert hints.isVisible()
    assert "app password" in hints.text() and "Gmail" in hints.text()
    wizard.back()
    wizard.back()
    page = wizard.page_of(PageId.EMAIL)
    page.email.setText("anna@contoso.example")
    click_enter_settings_myself(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.SERVER)
    wizard.page_of(PageId.SERVER).host.setText("smtp.office365.com")
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.SIGN_IN)
    text = wizard.page_of(PageId.SIGN_IN).hints.text()
    assert "Authenticated SMTP" in text and "December 2026" in text


def test_without_a_keychain_the_sign_in_page_says_so_and_remembers_nothing(qtbot, wizard, lab):
    from keyring.backends import fail

    from smtpwizard.core import credentials

    ep = lab.start("starttls_ok")
    credentials.set_backend(fail.Keyring())
    try:
        fill_email(qtbot, wizard, ep.username, manual=True)
        fill_server(qtbot, wizard, ep.host, ep.port, Security.STARTTLS)
        page = wizard.page_of(PageId.SIGN_IN)
        qtbot.waitUntil(lambda: not page.keychain.running, timeout=15000)
        assert not page.remember.isEnabled() and not page.remember.isChecked()
        assert "type it each time" in page.keychain_note.text()
        fill_sign_in(qtbot, wizard, ep.username, ep.password, send_to=None)
        test_page, result = wait_for_test(qtbot, wizard)
        assert result.ok  # the password typed this time still works
        assert not test_page.saver.running and not test_page.keychain_note.isVisible()
    finally:
        credentials.set_backend(None)


def test_a_damaged_profile_is_reported_and_the_wizard_still_starts(qtbot, qloop, isolated_config):
    from smtpwizard.ui.state import WizardState
    from smtpwizard.ui.wizard import SetupWizard

    folder = isolated_config / "profiles"
    folder.mkdir(parents=True)
    (folder / "broken.json").write_text('{"format": "smtpwizard-profile", "version": 1, "na')
    wiz = SetupWizard(WizardState())
    qtbot.addWidget(wiz)
    wiz.show()
    page = wiz.page_of(PageId.EMAIL)
    qtbot.waitUntil(lambda: page.saved_problem.isVisible(), timeout=5000)
    assert "damaged" in page.saved_problem.text()
    assert not (folder / "broken.json").exists()  # moved aside, not deleted
    assert list(folder.glob("broken.json.corrupt-*"))
    qtbot.keyClicks(page.email, "anna@example.com")
    assert page.validatePage()
