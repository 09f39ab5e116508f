"""The short way, counted: typing plus one Enter from launch to a verified result, against the
demo's real servers (its SMTP server and the provider's autoconfig over HTTPS)."""

from __future__ import annotations

import socket

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QWizard

from smtpwizard.core.settings import Security
from smtpwizard.ui.app import demo_environment
from smtpwizard.ui.page_ids import PageId
from smtpwizard.ui.state import WizardState
from smtpwizard.ui.wizard import SetupWizard

from .flows import click_enter_settings_myself, fill_server


class PressCounter(QObject):
    """Counts what a person would count: mouse clicks, and Return/Enter presses."""

    def __init__(self) -> None:
        super().__init__()
        self.clicks = 0
        self.enters = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # An event reaches the widget and then each parent it propagates to: count it at the
        # widget under the pointer (a click) or with the focus (a key).
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and watched.isWidgetType():
            self.clicks += watched is QApplication.widgetAt(event.globalPosition().toPoint())
        enter = kind == QEvent.Type.KeyPress and event.key() in (
            Qt.Key.Key_Return,
            Qt.Key.Key_Enter,
        )
        if enter and watched is QApplication.focusWidget():
            self.enters += 1
        return False


def open_demo_wizard(qtbot, stack):
    state = WizardState()
    demo = stack.enter_context(demo_environment(state))
    # A person's own typing, not the demo's pre-filled fields.
    state.name = state.password = ""
    wizard = SetupWizard(state)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard, demo


def test_launch_to_a_verified_result_takes_typing_and_one_enter(qtbot, qloop, isolated_config):
    import contextlib

    with contextlib.ExitStack() as stack:
        wizard, demo = open_demo_wizard(qtbot, stack)
        email, password = wizard.state.email, demo.password
        page = wizard.page_of(PageId.EMAIL)
        page.email.clear()
        counter = PressCounter()
        QApplication.instance().installEventFilter(counter)
        try:
            qtbot.waitUntil(lambda: QApplication.focusWidget() is page.name)  # first empty
            qtbot.keyClicks(QApplication.focusWidget(), "Anna Demo")
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
            qtbot.keyClicks(QApplication.focusWidget(), email)
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
            assert QApplication.focusWidget() is page.password.edit
            qtbot.keyClicks(QApplication.focusWidget(), password)
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
            qtbot.waitUntil(lambda: wizard.currentId() == PageId.DONE, timeout=60000)
        finally:
            QApplication.instance().removeEventFilter(counter)
        assert (counter.clicks, counter.enters) == (0, 1)
        # The window says it is the demo, once, and the title does not repeat the app's name.
        assert wizard.windowTitle() == "Set up sending email (demo)"
        assert wizard.page_of(PageId.DONE).demo_banner.isVisible()
        # Ports not needed after the success are not shown as failures (no red crosses).
        finding = wizard.page_of(PageId.FINDING)
        marks = [row[0].text() for row in finding._port_rows.values()]
        assert "✓" in marks and "✗" not in marks, marks
        result = wizard.state.last_result
        assert result is not None and result.ok, result
        # Nothing was skipped: found, probed, signed in and a test message sent.
        steps = {step.name.value: step.status.value for step in result.steps}
        assert steps["auth"] == "ok" and steps["data"] == "ok"
        done = wizard.page_of(PageId.DONE)
        assert done.verdict.isVisible() and "Everything works" in done.verdict.title.text()
        assert "nothing is delivered" in done.verdict.explanation.text()  # the demo says so
        assert "arrive within a minute" not in done.verdict.explanation.text()
        assert wizard.button(QWizard.WizardButton.FinishButton).isVisible()
        assert wizard.state.saved_profile
        qtbot.waitUntil(lambda: not wizard.page_of(PageId.TEST).saver.running, timeout=15000)
        wizard.stop_everything()


def test_other_ports_work_in_demo_mode(qtbot, qloop, isolated_config):
    import contextlib

    with socket.socket() as probe:  # a port nobody listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    with contextlib.ExitStack() as stack:
        wizard, demo = open_demo_wizard(qtbot, stack)
        password = wizard.state.password = demo.password
        page = wizard.page_of(PageId.EMAIL)
        page.password.setText(password)
        click_enter_settings_myself(qtbot, wizard)
        fill_server(qtbot, wizard, "localhost", closed, Security.STARTTLS)
        qtbot.waitUntil(lambda: wizard.currentId() == PageId.SIGN_IN)
        signin = wizard.page_of(PageId.SIGN_IN)
        qtbot.waitUntil(lambda: not signin.keychain.running, timeout=15000)
        assert signin.password.text() == password
        wizard.next()
        test = wizard.page_of(PageId.TEST)
        qtbot.waitUntil(
            lambda: not test.runner.running and test.state.last_result is not None, timeout=30000
        )
        assert test.state.last_result.diagnosis.code == "connection_refused"
        assert test.card.alternatives.isVisible()
        tip = test.card.alternatives.toolTip()  # the demo's own ports
        assert f"port {demo.starttls_port} " in tip and f"port {demo.tls_port} " in tip
        counter = PressCounter()  # the counter of the short way sees a real click
        QApplication.instance().installEventFilter(counter)
        qtbot.mouseClick(test.card.alternatives, Qt.MouseButton.LeftButton)
        QApplication.instance().removeEventFilter(counter)
        assert (counter.clicks, counter.enters) == (1, 0)
        qtbot.waitUntil(
            lambda: not test.runner.running and test.state.last_result is not None, timeout=30000
        )
        assert test.state.last_result.ok, test.state.last_result.diagnosis
        assert test.state.settings.port != closed
        qtbot.waitUntil(lambda: not test.saver.running, timeout=15000)
        wizard.stop_everything()
