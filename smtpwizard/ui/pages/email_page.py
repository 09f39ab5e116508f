"""Page 1: name, address and password together; Enter finds, probes and tests everything."""

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
    QVBoxLayout,
)

from ...core.errors import InputError
from ..desk import desk_label, show_desk_words
from ..page_ids import PageId
from ..tasks import TaskRunner
from ..theme import error_label, hint_label
from ..widgets.password_field import PasswordField
from .base import WizardPageBase


class EmailPage(WizardPageBase):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Set up sending email")
        self.setSubTitle(
            "Type your address and password, then press Enter: we find your provider's "
            "settings, test them for real and show you the result."
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
        self.password = PasswordField()
        self.password_hint = hint_label(
            "Needed now to test sending for real: we sign in and send you a short test "
            "message. It goes only to your mail server, encrypted, and into your system's "
            "keychain if you wish. Leave it empty to type it later."
        )
        self.desk = desk_label()
        form = QFormLayout()
        form.addRow(self.desk)
        form.addRow("&Your name:", self.name)
        form.addRow("&Email address:", self.email)
        form.addRow("", self.email_error)
        form.addRow("&Password:", self.password)
        form.addRow(self.password_hint)
        self.saved_box = QGroupBox("Or test settings you saved before")
        self.saved = QComboBox()
        self.saved.setAccessibleName("Saved settings")
        self.saved.setToolTip("Settings saved after an earlier successful test")
        self.reopen = QPushButton("Test these &again")
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
        self.scrolling(form, self.saved_box)
        self.password_loader = TaskRunner(self)
        self.password_loader.succeeded.connect(self._password_loaded)
        self.password_loader.failed.connect(self._password_not_loaded)
        self._reopened = False
        self.registerField("email*", self.email)
        self.email.textChanged.connect(self._clear_error)
        self.email.textEdited.connect(self._typed_new_address)
        self.password.edit.textEdited.connect(self._password_typed)
        self.setTabOrder(self.name, self.email)
        self.setTabOrder(self.email, self.password.edit)
        self.setTabOrder(self.password.edit, self.password.toggle)

    def _password_typed(self, text: str) -> None:
        self.state.password = text  # at once: Back and Next never bring an old one back

    def _typed_new_address(self) -> None:
        self._reopened = False

    def _clear_error(self) -> None:
        self.email_error.hide()

    def initializePage(self) -> None:
        show_desk_words(self.desk, self.state, "email")
        self._reopened = False
        if self.state.email and not self.email.text():
            self.email.setText(self.state.email)
            self.name.setText(self.state.name)
        self.password.setText(self.state.password)
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
        from .. import warmup

        warmup.settle()  # it may be importing the engine: never two threads importing at once
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
        state.send_test_to = state.send_test_to or state.email
        state.express = False
        self.email.setText(state.email)
        self.name.setText(state.name)
        self._reopened = True
        self.reopen.setEnabled(False)
        state.oauth = None
        if profile.oauth2 and profile.server.username:
            # Signed in with OAuth2 last time: the kept sign-in, not a password (none is kept).
            from ...core.oauth import load_sign_in

            username = profile.server.username
            self.password_loader.start(lambda _progress: load_sign_in(username))
        elif profile.server.username:
            key = credential_key(profile.server)
            self.password_loader.start(lambda _progress: load_password(key))
        else:
            self._password_loaded(None)

    def _password_loaded(self, password: Any) -> None:
        if password is not None and not isinstance(password, str):  # the kept OAuth2 sign-in
            self.state.oauth, password = password, None
        self.state.password = password or ""
        self.password.setText(self.state.password)
        self.reopen.setEnabled(True)
        self.wizard().next()

    def _password_not_loaded(self, exc: object) -> None:
        # Not fatal: the sign-in page asks for the password and says why it is empty.
        self.state.password = ""
        self.state.keychain_reason = getattr(exc, "message", str(exc))
        self.reopen.setEnabled(True)
        self.wizard().next()

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
        state.password = self.password.text()
        if self._reopened:
            state.name = name
            return True
        if address != state.email:
            state.settings = None
            state.last_result = None
            state.oauth = None  # a reopened profile's sign-in is for its own address
        if not state.send_test_to or state.send_test_to == state.email:
            state.send_test_to = address  # the test message goes to you (as Sign-in proposes)
        state.email, state.name = address, name
        # Enter on this page is the short way; "Enter settings myself" sets manual first.
        state.express = not state.manual
        preset = state.preset
        if preset is not None and preset.applies_to(address):
            # The desk's servers: no search; the Server page shows them, locked where it says.
            state.settings = preset.settings_for(address)
            state.settings_source = f"settings from {preset.origin}"
            state.last_search = None
            state.express = False
        return True

    def nextId(self) -> int:
        if self._reopened:
            # Saved settings with their password from the keychain: straight to the test.
            ready = self.state.password or self.state.oauth is not None
            return int(PageId.TEST if ready else PageId.SIGN_IN)
        preset = self.state.preset
        if preset is not None and self.state.email and preset.applies_to(self.state.email):
            return int(PageId.SERVER)
        return int(PageId.SERVER if self.state.manual else PageId.FINDING)
