"""Page 1: who you are, and whether we should find the settings for you."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
)

from ...core.errors import InputError
from ..page_ids import PageId
from ..tasks import TaskRunner
from ..theme import error_label, hint_label
from .base import WizardPageBase


class EmailPage(WizardPageBase):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Set up sending email")
        self.setSubTitle(
            "Tell us your email address. We will find your provider's settings and test them "
            "for real before you use them."
        )
        self.name = QLineEdit()
        self.name.setPlaceholderText("Anna Example")
        self.name.setAccessibleName("Your name")
        self.name.setToolTip("The name people see when they get your email")
        self.email = QLineEdit()
        self.email.setPlaceholderText("anna@example.com")
        self.email.setAccessibleName("Email address")
        self.email.setToolTip("The address you want to send email from")
        self.email_error = error_label()
        self.find_choice = QRadioButton("&Find my settings for me (recommended)")
        self.find_choice.setAccessibleName("Find my settings for me")
        self.manual = QRadioButton("I &know my server settings and want to enter them myself")
        self.manual.setAccessibleName("I know my server settings")
        self.find_choice.setChecked(True)
        form = QFormLayout()
        form.addRow("Your &name:", self.name)
        form.addRow("&Email address:", self.email)
        form.addRow("", self.email_error)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addSpacing(12)
        layout.addWidget(self.find_choice)
        layout.addWidget(self.manual)
        layout.addSpacing(12)
        layout.addWidget(
            hint_label(
                "Your password is asked for later. It is only sent to your mail server, over an "
                "encrypted connection, and kept in your system's keychain if you wish."
            )
        )
        self.saved_box = QGroupBox("Or test settings you saved before")
        self.saved = QComboBox()
        self.saved.setAccessibleName("Saved settings")
        self.saved.setToolTip("Settings saved after an earlier successful test")
        self.reopen = QPushButton("&Test these again")
        self.reopen.setToolTip("Sign in and test the saved settings once more")
        self.reopen.clicked.connect(self.reopen_selected)
        self.saved_problem = error_label()
        saved_row = QHBoxLayout()
        saved_row.addWidget(self.saved, 1)
        saved_row.addWidget(self.reopen)
        saved_layout = QVBoxLayout(self.saved_box)
        saved_layout.addLayout(saved_row)
        saved_layout.addWidget(self.saved_problem)
        self.saved_box.hide()
        layout.addWidget(self.saved_box)
        layout.addStretch(1)
        self.password_loader = TaskRunner(self)
        self.password_loader.succeeded.connect(self._password_loaded)
        self.password_loader.failed.connect(self._password_not_loaded)
        self._reopened = False
        self.registerField("email*", self.email)
        self.email.textChanged.connect(self._clear_error)
        self.email.textEdited.connect(self._typed_new_address)
        self.setTabOrder(self.name, self.email)
        self.setTabOrder(self.email, self.find_choice)
        self.setTabOrder(self.find_choice, self.manual)

    def _typed_new_address(self) -> None:
        self._reopened = False

    def _clear_error(self) -> None:
        self.email_error.hide()

    def initializePage(self) -> None:
        self._reopened = False
        if self.state.email and not self.email.text():
            self.email.setText(self.state.email)
            self.name.setText(self.state.name)
        # After the first paint: reading the saved profiles is not worth delaying the window.
        QTimer.singleShot(100, self.list_saved)

    def list_saved(self) -> None:
        from ...core.profiles import list_profiles

        try:
            found = list_profiles()
        except OSError:
            return
        self.saved.clear()
        for summary in found:
            words = f"{summary.name}  ({summary.host}, port {summary.port})"
            self.saved.addItem(words, summary.name)
        # Damaged files are reported too (they were moved aside), even when none is usable.
        self.saved_box.setVisible(bool(found) or bool(found.problems))
        self.saved_box.setTitle("Or test settings you saved before" if found else "Saved settings")
        self.saved.setVisible(bool(found))
        self.reopen.setVisible(bool(found))
        if found.problems:
            self.saved_problem.setText(" ".join(p.message for p in found.problems))
            self.saved_problem.show()

    def reopen_selected(self) -> None:
        from ...core.credentials import credential_key, load_password
        from ...core.profiles import ProfileError, load_profile

        name = self.saved.currentData()
        if not name:
            return
        try:
            profile = load_profile(str(name))
        except ProfileError as exc:
            self.saved_problem.setText(exc.message)
            self.saved_problem.show()
            return
        state = self.state
        state.email = profile.account.email
        state.name = profile.account.display_name
        state.settings = profile.server
        state.incoming = profile.account.incoming
        state.profile_name = profile.name
        state.settings_source = "saved before"
        state.last_result = None
        self.email.setText(state.email)
        self.name.setText(state.name)
        self._reopened = True
        self.reopen.setEnabled(False)
        if profile.server.username:
            key = credential_key(profile.server)
            self.password_loader.start(lambda _progress: load_password(key))
        else:
            self._password_loaded(None)

    def _password_loaded(self, password: Any) -> None:
        self.state.password = password or ""
        self.reopen.setEnabled(True)
        self.wiz().next()

    def _password_not_loaded(self, exc: object) -> None:
        # Not fatal: the sign-in page asks for the password and says why it is empty.
        self.state.password = ""
        self.state.keychain_reason = getattr(exc, "message", str(exc))
        self.reopen.setEnabled(True)
        self.wiz().next()

    def validatePage(self) -> bool:
        from ...core.inputs import parse_display_name, parse_email

        try:
            address = parse_email(self.email.text())
            name = parse_display_name(self.name.text())
        except InputError as exc:
            self.email_error.setText(exc.message)
            self.email_error.show()
            (self.email if exc.field == "email" else self.name).setFocus()
            return False
        state = self.state
        if self._reopened:
            state.name = name
            return True
        if address != state.email:
            state.settings = None
            state.last_result = None
        state.email, state.name = address, name
        state.manual = self.manual.isChecked()
        return True

    def nextId(self) -> int:
        if self._reopened:
            return int(PageId.SIGN_IN)
        return int(PageId.SERVER if self.manual.isChecked() else PageId.FINDING)
