"""No secret on disk or on screen: the wizard, driven like a person, with a unique password.

After each flow: every file under the isolated HOME and config folder, the log records (DEBUG),
the transcript, the clipboard, and the text of every widget of the application (other than the
password box itself) is scanned for the password in all its forms.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

pytest.importorskip("PySide6")
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from smtpwizard.core.check import REDACTED
from smtpwizard.core.exporters import FORMATS
from smtpwizard.core.settings import Security
from smtpwizard.ui.page_ids import PageId
from tests.gui import conftest as gui_fixtures
from tests.gui.flows import fill_email, fill_server, wait_for_test
from tests.labkit import Lab

from .secret_scan import PASSWORD, TOKEN, USERNAME, find, scan_records, scan_tree

HAVE_KEYRING = os.environ.get("SMTPWIZARD_TEST_KEYRING") == "1"
# The GUI tests' fixtures (one qasync loop, a fresh wizard, an isolated config folder), reused.
_session_qloop = gui_fixtures._session_qloop
qloop = gui_fixtures.qloop
isolated_config = gui_fixtures.isolated_config
wizard = gui_fixtures.wizard


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    """Overrides the session lab for this module (and for the wizard fixture): our password."""
    with Lab(username=USERNAME, password=PASSWORD) as running:
        yield running


@pytest.fixture
def home(tmp_path, monkeypatch, caplog):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local/state"))
    caplog.set_level(logging.DEBUG)
    return home


def fill_sign_in(qtbot, wiz, *, send_to: str | None) -> None:
    """tests/gui/flows.fill_sign_in, except that the non-ASCII end of the password is pasted:
    QTest cannot synthesise key presses for it (Qt aborts)."""
    qtbot.waitUntil(lambda: wiz.currentId() == PageId.SIGN_IN)
    page = wiz.page_of(PageId.SIGN_IN)
    qtbot.waitUntil(lambda: not page.keychain.running, timeout=15000)
    page.username.clear()
    qtbot.keyClicks(page.username, USERNAME)
    page.password.edit.clear()
    typed = PASSWORD[: PASSWORD.index(TOKEN) + len(TOKEN) + 1]  # up to the non-ASCII tail
    qtbot.keyClicks(page.password.edit, typed)
    page.password.edit.insert(PASSWORD[len(typed) :])
    assert page.password.text() == PASSWORD
    page.send_test.setChecked(send_to is not None)
    if send_to:
        page.send_to.clear()
        qtbot.keyClicks(page.send_to, send_to)
    wiz.next()


def widget_texts(exclude: QLineEdit) -> list[tuple[str, str]]:
    """(what, text) for every widget's visible or announced text, the password boxes excepted:
    exclude (shown in plain text by its Show button) and every box that masks what it holds
    (the first page and the Test page have one too)."""
    texts: list[tuple[str, str]] = []
    for widget in QApplication.allWidgets():
        name = type(widget).__name__
        if widget is exclude:
            continue
        if isinstance(widget, QLineEdit) and widget.echoMode() == QLineEdit.EchoMode.Password:
            continue
        if isinstance(widget, QLineEdit | QLabel | QAbstractButton):
            texts.append((name, widget.text()))
        elif isinstance(widget, QPlainTextEdit | QTextEdit):
            texts.append((name, widget.toPlainText()))
        elif isinstance(widget, QComboBox):
            texts += [(name, widget.itemText(i)) for i in range(widget.count())]
        if isinstance(widget, QWidget):
            texts += [(name, widget.toolTip()), (name, widget.accessibleName())]
            texts += [(name, widget.windowTitle()), (name, widget.accessibleDescription())]
    return texts


def _scan_screen(wiz) -> list[str]:
    exclude = wiz.page_of(PageId.SIGN_IN).password.edit
    shown = widget_texts(exclude)
    assert len(shown) > 100  # the walk did see the wizard
    return [f"{what}: {name}" for what, text in shown for name in find(text)]


def _assert_nothing_leaked(wiz, home, config, caplog, extra_texts=()) -> None:
    hits = scan_tree(home, config)
    hits += scan_records(caplog.records)
    hits += _scan_screen(wiz)
    for text in extra_texts:
        hits += [f"text: {name}" for name in find(text)]
    assert hits == []


def test_wizard_to_the_done_page_leaks_nothing(qtbot, wizard, lab, home, isolated_config, caplog):
    from smtpwizard.core.credentials import credential_key, delete_password_sync

    ep = lab.start("starttls_ok")
    fill_email(qtbot, wizard, USERNAME, manual=True)
    fill_server(qtbot, wizard, ep.host, ep.port, Security.STARTTLS)
    signin = wizard.page_of(PageId.SIGN_IN)
    qtbot.waitUntil(lambda: not signin.keychain.running, timeout=15000)
    if HAVE_KEYRING:
        assert signin.remember.isEnabled() and signin.remember.isChecked()
    fill_sign_in(qtbot, wizard, send_to="bob@lab.test")
    page, result = wait_for_test(qtbot, wizard)
    assert result.ok, result.diagnosis
    assert ep.wait_messages(1) and ep.auth_attempts
    key = credential_key(page.state.settings)
    try:
        qtbot.waitUntil(lambda: not page.saver.running, timeout=15000)
        if HAVE_KEYRING:
            assert "saved in this computer's keychain" in page.keychain_note.text()
        wizard.next()
        qtbot.waitUntil(lambda: wizard.currentId() == PageId.DONE)
        assert list((isolated_config / "profiles").glob("*.json"))
        # Every export previewed on the Done page, without the password.
        panel = wizard.page_of(PageId.DONE)._exports
        previews = []
        for fmt in FORMATS:
            panel.select(fmt.id)
            assert not panel.include_password.isChecked()
            previews.append(panel.preview.toPlainText())
        assert sum(bool(p) for p in previews) >= 15
        transcript = "\n".join(result.transcript)
        assert f"C: AUTH PLAIN {REDACTED}" in transcript
        messages = [m.data.decode("utf-8", "replace") for m in ep.messages]
        _assert_nothing_leaked(
            wizard, home, isolated_config, caplog, [transcript, *previews, *messages]
        )
        # The control: the password box does hold it, so the walk would have seen it.
        assert signin.password.edit.text() == PASSWORD
    finally:
        if HAVE_KEYRING:
            delete_password_sync(key)


def test_failed_sign_in_with_details_copied_leaks_nothing(
    qtbot, wizard, lab, home, isolated_config, caplog
):
    ep = lab.start("gmail_app_password")
    fill_email(qtbot, wizard, USERNAME, manual=True)
    fill_server(qtbot, wizard, ep.host, ep.port, Security.STARTTLS)
    fill_sign_in(qtbot, wizard, send_to=None)
    page, result = wait_for_test(qtbot, wizard)
    assert not result.ok
    assert result.diagnosis.step == "auth" or "auth" in str(result.diagnosis.code)
    assert ep.auth_attempts  # the password really was sent, and refused
    qtbot.mouseClick(page.details.toggle, Qt.MouseButton.LeftButton)
    assert page.details.text.isVisible()
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(page.details.copy, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert f"C: AUTH PLAIN {REDACTED}" in copied
    assert "534" in copied  # the server's refusal is there for the support desk
    _assert_nothing_leaked(wizard, home, isolated_config, caplog, [copied])
    assert not page.state.password_saved  # a refused password is not remembered
