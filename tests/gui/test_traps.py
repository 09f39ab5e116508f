"""The traps a new user fell into, each driven with real key and mouse events on the widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWizard

from smtpwizard.core.settings import ALTERNATIVE_PORTS, Security
from smtpwizard.ui.page_ids import PageId

from .flows import fill_email, run_manual_test, silent_domain, srv_only_domain, wait_for_test
from .layout_checks import clashes


def focused():
    return QApplication.focusWidget()


def press(qtbot, key) -> None:
    qtbot.keyClick(focused(), key)


def test_return_after_the_search_goes_forward_never_back(qtbot, wizard, lab):
    ep = lab.start("starttls_ok")
    with srv_only_domain(wizard, ep) as address:
        fill_email(qtbot, wizard, address, manual=False, password="pw")
        page = wizard.page_of(PageId.FINDING)
        qtbot.waitUntil(
            lambda: wizard.currentId() == PageId.FINDING and page.outcome is not None,
            timeout=20000,
        )
        # An untrusted source: the confirmation gets the focus, Space ticks it, Return goes on.
        qtbot.waitUntil(lambda: focused() is page.confirm)
        press(qtbot, Qt.Key.Key_Return)
        assert wizard.currentId() == PageId.FINDING  # not Back: nothing happens yet
        press(qtbot, Qt.Key.Key_Space)
        assert page.confirm.isChecked()
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: wizard.currentId() == PageId.TEST)
        wizard.stop_everything()


def test_return_after_stopping_the_search_goes_to_the_settings(qtbot, wizard, lab):
    with silent_domain(wizard) as address:
        fill_email(qtbot, wizard, address, manual=False, password="pw")
        page = wizard.page_of(PageId.FINDING)
        qtbot.waitUntil(lambda: wizard.currentId() == PageId.FINDING and page.runner.running)
        page.stop.setFocus()
        press(qtbot, Qt.Key.Key_Space)  # "Stop searching", from the keyboard
        qtbot.waitUntil(lambda: not page.runner.running)
        qtbot.waitUntil(lambda: focused() is wizard.button(QWizard.WizardButton.NextButton))
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: wizard.currentId() == PageId.SERVER)


def test_a_sign_in_failure_is_fixed_on_the_test_page_and_offers_no_other_ports(qtbot, wizard, lab):
    ep = lab.start("starttls_ok")
    page, result = run_manual_test(qtbot, wizard, ep.host, ep.port, ep.username, "not-the-password")
    assert result.diagnosis.code == "auth_failed"
    assert not page.card.alternatives.isVisible()  # a password is not a port problem
    assert page.password_row.isVisible() and page.again.isVisible()
    assert clashes(wizard) == {}  # "&Password" among the card's and the page's letters
    qtbot.waitUntil(lambda: focused() is page.password.edit)  # the field to fix, selected
    qtbot.keyClicks(focused(), ep.password)  # replaces the selected wrong one
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: not page.runner.running and page.state.last_result is not None, timeout=20000
    )
    assert page.state.last_result.ok, page.state.last_result.diagnosis
    assert not page.password_row.isVisible()
    # Return now does what the default button says: Next, to the Done page.
    qtbot.waitUntil(lambda: wizard.button(QWizard.WizardButton.NextButton).isEnabled())
    qtbot.keyClick(page.password.edit if page.password.isVisible() else wizard, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.DONE)


def test_a_corrected_password_is_not_reverted_by_back_and_next(qtbot, wizard, lab):
    ep = lab.start("starttls_ok")
    run_manual_test(qtbot, wizard, ep.host, ep.port, ep.username, "wrong")
    back = wizard.button(QWizard.WizardButton.BackButton)
    qtbot.mouseClick(back, Qt.MouseButton.LeftButton)
    signin = wizard.page_of(PageId.SIGN_IN)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.SIGN_IN)
    signin.password.edit.selectAll()
    qtbot.keyClicks(signin.password.edit, ep.password)
    qtbot.mouseClick(back, Qt.MouseButton.LeftButton)  # to the Server page
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.SERVER)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.SIGN_IN)
    assert signin.password.text() == ep.password
    qtbot.waitUntil(lambda: not signin.keychain.running, timeout=15000)  # its deadline: 10 s
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    _, result = wait_for_test(qtbot, wizard)
    assert result.ok, result.diagnosis


def test_other_ports_never_hide_the_earlier_diagnosis(qtbot, wizard, lab):
    closed = lab.start("closed", host="127.0.0.5")
    silent = lab.start("silent", host="127.0.0.5")
    page, result = run_manual_test(qtbot, wizard, closed.host, closed.port, "anna@lab.test", "pw")
    title = page.card.title.text()
    assert result.diagnosis.code == "connection_refused"
    page.state.alternative_ports = ((silent.port, Security.TLS),)
    qtbot.mouseClick(page.card.alternatives, Qt.MouseButton.LeftButton)
    assert page.steps.steps() == ()  # the old steps do not stay under the new heading
    qtbot.waitUntil(lambda: not page.runner.running and page.card.isVisible(), timeout=30000)
    assert page.card.title.text() == title  # still the accurate, earlier one
    assert page.state.last_result.diagnosis.code == "connection_refused"
    assert f"port {silent.port}" in page.card.note.text()
    assert "none of them worked either" in page.card.note.text()
    assert not page.card.alternatives.isVisible()


def test_the_usual_ports_tried_include_25():
    assert [port for port, _ in ALTERNATIVE_PORTS] == [587, 465, 2525, 25]


def test_a_found_and_tested_port_is_not_called_unusual(qtbot, wizard):
    from smtpwizard.core.settings import ServerSettings

    from .flows import click_enter_settings_myself

    state = wizard.state
    state.email = "anna@example.com"
    state.settings = ServerSettings("mail.example.com", 2587, Security.STARTTLS)
    state.settings_source, state.verified_by_probe = "published by your provider", True
    page = wizard.page_of(PageId.EMAIL)
    qtbot.keyClicks(page.email, state.email)
    click_enter_settings_myself(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.SERVER)
    guidance = wizard.page_of(PageId.SERVER).guidance.text()
    assert "the one we found (published by your provider)" in guidance
    assert "check it with your provider" not in guidance
    wizard.page_of(PageId.SERVER).port.setValue(2600)  # a port the person typed
    assert "check it with your provider" in wizard.page_of(PageId.SERVER).guidance.text()
