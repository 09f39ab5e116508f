"""Page 5: the live test. The verdict first (what happened, what to do, the one-click fix);
the steps as one line that opens up; a password box when signing in failed."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from ...core.diagnosis.catalogue import SECURITY_WORDS
from ...core.settings import ServerSettings
from ..after_test import (
    PASSWORD_PROBLEMS,
    PORT_PROBLEMS,
    got_further,
    ports_words,
    tried_words,
)
from ..hints import notes_html, provider_hints, shown_diagnosis
from ..page_ids import PageId
from ..tasks import TaskRunner
from ..theme import hint_label, wrap_label
from ..widgets.diagnosis_card import DiagnosisCard, TechnicalDetails
from ..widgets.password_field import PasswordField
from ..widgets.step_list import StepList
from .base import WizardPageBase

if TYPE_CHECKING:
    from ...core.check import CheckOptions, CheckResult
    from ...core.probe import ProbeResult


class TestPage(WizardPageBase):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Testing your settings")
        self.setSubTitle("We connect to your server now, exactly as your mail program will.")
        self.heading = wrap_label()
        self.heading.setAccessibleName("What is being tested")
        self.steps = StepList()
        self.elapsed = QLabel()
        self.elapsed.setAccessibleName("Time taken")
        self.cancel = QPushButton("&Stop the test")
        self.cancel.setToolTip("Stop now; nothing is changed")
        self.again = QPushButton("Test &again")
        self.cancel.clicked.connect(self.stop)
        self.again.clicked.connect(self.start_test)
        self.password = PasswordField()
        self.password.edit.textEdited.connect(self._password_typed)
        self.password.edit.returnPressed.connect(self._retry_with_password)
        self.password_label = QLabel("&Password:")
        self.password_label.setBuddy(self.password.edit)
        self.password_row = QWidget()
        row = QHBoxLayout(self.password_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.password_label)
        row.addWidget(self.password, 1)
        self.password_row.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.password_row, 1)
        buttons.addWidget(self.elapsed, 1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.again)
        self.card = DiagnosisCard()
        self.card.hide()
        self.card.apply_suggestion.connect(self.apply_suggestion)
        self.card.try_alternatives.connect(self.start_alternatives)
        self.card.trust_certificate.connect(self.trust_certificate)
        self.keychain_note = hint_label()
        self.keychain_note.setAccessibleName("Keychain")
        self.keychain_note.hide()
        self.advice = wrap_label(
            rich=True
        )  # the provider's advice: the Sign-in page may be skipped
        self.advice.setAccessibleName("Advice for your provider")
        self.advice.hide()
        self.details = TechnicalDetails()
        # The verdict first: visible without scrolling even in the smallest window.
        self.scrolling(
            self.card,
            buttons,
            self.heading,
            self.steps,
            self.keychain_note,
            self.advice,
            self.details,
        )
        self.runner = TaskRunner(self)
        self.runner.progress.connect(self._progress)
        self.runner.succeeded.connect(self._finished)
        self.runner.failed.connect(self._crashed)
        self.runner.cancelled.connect(self._cancelled)
        self.runner.running_changed.connect(self._running_changed)
        self.saver = TaskRunner(self)
        self.saver.succeeded.connect(self._saved)
        self.saver.failed.connect(self._not_saved)
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._tick)
        self._started = 0.0
        self._alternatives_used = False
        self._before_alternatives: CheckResult | None = None
        self._first_test = False  # the test started by arriving here (the short way)
        self._advance_after_saving = False

    # -- lifecycle ---------------------------------------------------------------------------

    def initializePage(self) -> None:
        self._alternatives_used = False
        self.password.setText(self.state.password)
        self.password_row.hide()
        name, notes = provider_hints(self.state)
        self.advice.setText(notes_html(name, notes))
        self.advice.setVisible(bool(notes))
        self.start_test()
        self._first_test = True

    def cleanupPage(self) -> None:
        self._advance_after_saving = False
        self.stop()

    def nextId(self) -> int:
        return int(PageId.DONE)

    def isComplete(self) -> bool:
        result = self.state.last_result
        return result is not None and result.ok and not self.runner.running

    # -- running -----------------------------------------------------------------------------

    def options(self) -> CheckOptions:
        from ...core.check import CheckOptions

        state = self.state
        return CheckOptions(
            ca_file=state.ca_file,
            resolver=state.resolver,
            send_to=state.send_test_to or None,
            mail_from=state.email if state.send_test_to else None,
        )

    def _password_typed(self, text: str) -> None:
        self.state.password = text

    def _retry_with_password(self) -> None:
        if not self.runner.running and self.password.text():
            self.start_test()

    def start_test(self) -> None:
        from ...core.check import StepResult, planned_steps, run_check

        self._first_test = False
        self._advance_after_saving = False
        self._before_alternatives = None
        settings = self.state.settings
        assert settings is not None
        self.state.last_result = None
        self._show_heading(settings)
        self.steps.show_steps(
            [
                StepResult(name)
                for name in planned_steps(
                    settings, with_auth=bool(settings.username), send=bool(self.state.send_test_to)
                )
            ]
        )
        self.card.hide()
        self.keychain_note.hide()
        self.password_row.hide()
        password = self.state.password or None
        options = self.options()
        oauth = self.state.oauth

        async def check(progress: Any) -> Any:
            token = None
            if oauth is not None:  # renewed first when it is about to expire
                from ...core.oauth import renewed_sign_in

                self.state.oauth = renewed = await renewed_sign_in(oauth)
                token = renewed.tokens.access_token
            return await run_check(
                settings, password=password, options=options, progress=progress, access_token=token
            )

        self.runner.start(check)

    def start_alternatives(self) -> None:
        from ..alternatives import try_alternatives

        settings = self.state.settings
        assert settings is not None
        self._alternatives_used = True
        self._before_alternatives = self.state.last_result
        self.state.last_result = None
        self.card.hide()
        self.password_row.hide()
        ports = self.state.alternative_ports
        self.heading.setText(f"Trying other ports on {settings.host}: {ports_words(ports)}…")
        self.steps.show_steps([])  # the earlier test's steps belong to the earlier test
        password = self.state.password or None
        options = self.options()
        self.runner.start(
            lambda progress: try_alternatives(settings, password, options, progress, ports)
        )

    def stop(self) -> None:
        self.runner.cancel()
        self.saver.cancel()

    def apply_suggestion(self, suggestion: dict[str, Any]) -> None:
        settings = self.state.settings
        assert settings is not None
        self.state.settings = settings.with_changes(**suggestion)
        self.start_test()

    def trust_certificate(self, fingerprint: str) -> None:
        settings = self.state.settings
        assert settings is not None
        self.state.settings = settings.with_changes(trusted_fingerprint=fingerprint)
        self.start_test()

    # -- progress and results ----------------------------------------------------------------

    def _show_heading(self, settings: ServerSettings) -> None:
        who = f" as {settings.username}" if settings.username else ""
        self.heading.setText(
            f"Testing {settings.host}, port {settings.port}, "
            f"{SECURITY_WORDS[settings.security.value]}{who}."
        )

    def _progress(self, event: object) -> None:
        from ...core.check import ProgressEvent

        if isinstance(event, ProgressEvent):
            self.steps.show_steps(event.steps)
        elif isinstance(event, tuple) and event[0] == "chosen":
            self.state.settings = event[1]
            self._show_heading(event[1])

    def _finished(self, outcome: object) -> None:
        from ...core.check import CheckResult

        first_test, self._first_test = self._first_test, False
        if isinstance(outcome, tuple):  # from the alternatives
            result, tried = outcome
            earlier = self._before_alternatives
            if earlier is not None and (result is None or not got_further(result, earlier)):
                # A later attempt never hides a more accurate earlier diagnosis.
                self._show_result(earlier)
                self.card.show_note(tried_words(tried, result))
                self.completeChanged.emit()
                return
            if result is None:
                self._show_alternatives_failed(tried)
                return
            outcome = result
        assert isinstance(outcome, CheckResult)
        self._show_result(outcome)
        if outcome.ok:
            self.state.settings = outcome.settings
            self._remember_password()
            if first_test and self.state.express:
                self._go_to_done_when_saved()
        self.completeChanged.emit()

    def _show_result(self, result: CheckResult) -> None:
        self.state.last_result = result
        self.steps.show_steps(result.steps)
        self.elapsed.setText(f"Finished in {result.duration:.1f} s")
        code = result.diagnosis.code
        self.card.show_diagnosis(
            shown_diagnosis(result.diagnosis, demo=self.state.demo),
            result.certificate_seen,
            alternatives=not self._alternatives_used and code in PORT_PROBLEMS,
        )
        ports = ports_words(self.state.alternative_ports)
        self.card.alternatives.setToolTip(f"Test {ports}, and keep the first that works")
        self.card.show()
        self.details.set_lines(result.transcript)
        if code in PASSWORD_PROBLEMS:
            self.password.setText(self.state.password)
            self.password_row.show()
            self.password.edit.selectAll()
            self.password.setFocus()
        self.scroll_area.verticalScrollBar().setValue(0)

    def _go_to_done_when_saved(self) -> None:
        """The short way ends on the Done page, once the keychain has the password (the
        Done page says whether it does)."""
        if self.saver.running:
            self._advance_after_saving = True
        else:
            QTimer.singleShot(0, self._advance)

    def _advance(self) -> None:
        self._advance_after_saving = False
        wizard = self.wizard()
        if wizard is not None and wizard.currentPage() is self and self.isComplete():
            wizard.next()

    def _show_alternatives_failed(self, found: ProbeResult) -> None:
        from ...core.diagnosis import Diagnosis
        from ..search import port_words

        lines = [f"Port {report.port}: {port_words(report)}" for report in found.reports]
        self.state.last_result = None
        self.elapsed.setText(f"Finished in {found.elapsed:.1f} s")
        summary = Diagnosis(
            code="timeout",
            title="None of the usual ports worked",
            explanation="We tried:\n" + "\n".join(lines),
            fix=(
                "Check the server name with your provider. If it is right, your network may "
                "block outgoing mail: ask your internet or hosting provider."
            ),
        )
        self.card.show_diagnosis(summary, None, alternatives=False)
        self.card.show()
        self.details.set_lines(
            [
                f"* port {r.port}: {r.diagnosis.technical if r.diagnosis else r.status.value}"
                for r in found.reports
            ]
        )
        self.completeChanged.emit()

    def _crashed(self, exc: object) -> None:
        from ...core.diagnosis import Diagnosis
        from ...core.oauth import OAuthFailure

        self.elapsed.setText("")
        if isinstance(exc, OAuthFailure):  # the OAuth2 sign-in could not be renewed
            diagnosis = Diagnosis(exc.code, exc.title, exc.explanation, exc.fix, step="auth")
        else:
            diagnosis = Diagnosis(
                code="protocol_error",
                title="The test could not run",
                explanation=str(exc),
                fix="Check the settings on the previous pages and try again.",
            )
        self.card.show_diagnosis(diagnosis, None, alternatives=False)
        self.card.show()
        self.completeChanged.emit()

    def _cancelled(self) -> None:
        self._first_test = False
        self.steps.mark_stopped()
        self.elapsed.setText("Stopped. Press “Test again” to start over.")
        self.completeChanged.emit()

    def _running_changed(self, running: bool) -> None:
        had_focus = self.cancel.hasFocus()
        self.again.setEnabled(not running)  # enabled first: focus never falls to "< Back"
        self.cancel.setEnabled(running)
        if had_focus and not running:
            self.again.setFocus()
        if running:
            self._started = time.monotonic()
            self._timer.start()
            self._tick()
        else:
            self._timer.stop()
        self.completeChanged.emit()

    def _tick(self) -> None:
        self.elapsed.setText(f"Testing… {time.monotonic() - self._started:.1f} s")

    # -- keychain ----------------------------------------------------------------------------

    def _remember_password(self) -> None:
        state = self.state
        settings = state.settings
        if not (state.remember_password and state.password and settings and settings.username):
            return
        from ...core.credentials import credential_key, save_password

        key = credential_key(settings)
        password = state.password
        self.saver.start(lambda _progress: save_password(key, password))

    def _saved(self, _result: object) -> None:
        self.state.password_saved = True
        self.keychain_note.setText("Your password is saved in this computer's keychain.")
        self.keychain_note.show()
        self._saving_over()

    def _not_saved(self, exc: object) -> None:
        self.state.password_saved = False
        title = getattr(exc, "title", "The password was not saved")
        message = getattr(exc, "message", str(exc))
        self.state.keychain_reason = f"{title}. {message}"
        self.keychain_note.setText(self.state.keychain_reason)
        self.keychain_note.show()
        self._saving_over()

    def _saving_over(self) -> None:
        if self._advance_after_saving:
            QTimer.singleShot(0, self._advance)
