"""Page 4: username, password, the keychain choice, and the provider's advice up front."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLineEdit

from ...core.errors import InputError
from ...core.inputs import parse_email, parse_username
from ..desk import desk_label, lock, show_desk_words
from ..tasks import TaskRunner
from ..theme import error_label, hint_label, wrap_label
from ..widgets.oauth_box import OAuthBox
from ..widgets.password_field import PasswordField
from .base import WizardPageBase


class SignInPage(WizardPageBase):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Sign in to your mail server")
        self.setSubTitle("Most servers need your email address and password before they send mail.")
        self.needs_login = QCheckBox("My server needs a sign-&in (almost all do)")
        self.needs_login.setChecked(True)
        self.needs_login.setAccessibleName("The server needs a sign-in")
        self.username = QLineEdit()
        self.username.setAccessibleName("Username")
        self.username.setToolTip("Usually your full email address")
        self.username_hint = hint_label()
        self.oauth = OAuthBox()  # shown for providers that want OAuth2 (oauth_box.py)
        self.oauth.hide()
        self.password = PasswordField()
        self.remember = QCheckBox("&Remember the password in this computer's keychain")
        self.remember.setAccessibleName("Remember the password in the system keychain")
        self.keychain_note = hint_label("Checking for a system keychain…")
        self.send_test = QCheckBox("Also send a &test message to:")
        self.send_test.setChecked(True)
        self.send_test.setAccessibleName("Send a test message")
        self.send_to = QLineEdit()
        self.send_to.setAccessibleName("Test message recipient")
        self.send_to.setToolTip("Where the short test message goes; your own address is best")
        self.error = error_label()
        self.hints = wrap_label(rich=True)
        self.hints.setObjectName("providerHints")
        self.hints.setAccessibleName("Advice for your provider")
        form = QFormLayout()
        form.addRow("", self.needs_login)
        form.addRow("&Username:", self.username)
        form.addRow("", self.username_hint)
        form.addRow(self.oauth)
        form.addRow("&Password:", self.password)
        form.addRow("", self.remember)
        form.addRow("", self.keychain_note)
        form.addRow(self.send_test, self.send_to)
        self.desk = desk_label()
        self.scrolling(self.desk, self.hints, form, self.error)
        self.needs_login.toggled.connect(self._login_toggled)
        self.username.textChanged.connect(self._username_changed)
        self.oauth.signed_in.connect(self._oauth_signed_in)
        self.send_test.toggled.connect(self.send_to.setEnabled)
        self.password.edit.textEdited.connect(self._password_typed)
        self.keychain = TaskRunner(self)
        self.keychain.succeeded.connect(self._keychain_known)
        self.keychain.failed.connect(self._keychain_failed)
        self.setTabOrder(self.needs_login, self.username)
        self.setTabOrder(self.username, self.oauth.client_id)
        self.setTabOrder(self.oauth.client_id, self.oauth.client_secret)
        self.setTabOrder(self.oauth.client_secret, self.oauth.trust)
        self.setTabOrder(self.oauth.trust, self.oauth.sign_in_button)
        self.setTabOrder(self.oauth.sign_in_button, self.oauth.cancel_button)
        self.setTabOrder(self.oauth.cancel_button, self.oauth.guide_button)
        self.setTabOrder(self.oauth.guide_button, self.password.edit)
        self.setTabOrder(self.password.edit, self.password.toggle)
        self.setTabOrder(self.password.toggle, self.remember)
        self.setTabOrder(self.remember, self.send_test)
        self.setTabOrder(self.send_test, self.send_to)

    def _password_typed(self, text: str) -> None:
        # Kept at once: Back, then Next again, must never bring the old password back.
        self.state.password = text

    def initializePage(self) -> None:
        from ..hints import notes_html, provider_hints, username_hint

        state = self.state
        settings = state.settings
        self.username.setText((settings.username if settings else None) or state.email)
        show_desk_words(self.desk, state, "sign_in")
        lock(self.username, state, "username")
        self.password.setText(state.password)
        self.send_to.setText(state.send_test_to or state.email)
        name, notes = provider_hints(state)
        self.hints.setText(notes_html(name, notes))
        self.hints.setVisible(bool(notes))
        self._offer_oauth()
        hint = username_hint(state)
        self.username_hint.setText(hint or "Usually your full email address.")
        self.remember.setEnabled(False)
        from ...core.credentials import keychain_status

        self.keychain.start(lambda _progress: keychain_status())

    def _offer_oauth(self) -> None:
        from ...core.oauth import provider_for_server

        state = self.state
        host = state.settings.host if state.settings else ""
        provider = provider_for_server(host) if host else None
        # A discovered <oAuth2> block counts only for the server it came with.
        offer = (
            state.oauth_offer if state.oauth_offer and state.oauth_offer.smtp_host == host else None
        )
        if provider is None and state.oauth_preset is None and offer is None:
            self.oauth.hide()
            return
        self.oauth.ca_file = state.ca_file
        self.oauth.configure(provider, state.oauth_preset, None if provider else offer)
        self.oauth.username = self.username.text().strip()
        self.password.edit.setPlaceholderText("Only for an app password")
        self.oauth.show()

    def _username_changed(self, text: str) -> None:
        self.oauth.username = text.strip()

    def _oauth_signed_in(self, sign_in: Any) -> None:
        self.state.oauth = sign_in
        self.error.hide()

    def _keychain_known(self, status: Any) -> None:
        self.state.keychain_available = status.available
        self.state.keychain_reason = status.reason
        self.remember.setEnabled(status.available and self.needs_login.isChecked())
        self.remember.setChecked(status.available and self.state.remember_password)
        if status.available:
            self.keychain_note.setText(
                "Kept safely in your system's keychain, never in a file, and only if the test "
                "succeeds."
            )
        else:
            self.keychain_note.setText(status.reason)

    def _keychain_failed(self, exc: object) -> None:
        self.state.keychain_available = False
        self.remember.setChecked(False)
        self.keychain_note.setText(
            f"The system keychain could not be reached ({exc}). Your password will not be "
            "remembered; you will type it each time."
        )

    def _login_toggled(self, on: bool) -> None:
        for widget in (self.username, self.password, self.username_hint):
            widget.setEnabled(on)
        if on:
            lock(self.username, self.state, "username")
        self.remember.setEnabled(on and self.state.keychain_available)

    def validatePage(self) -> bool:
        state = self.state
        try:
            username = parse_username(self.username.text()) if self.needs_login.isChecked() else ""
            send_to = (
                parse_email(self.send_to.text(), "send_to") if self.send_test.isChecked() else ""
            )
        except InputError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return False
        if self.needs_login.isChecked() and not username:
            self.error.setText("Please enter the username (usually your full email address).")
            self.error.show()
            self.username.setFocus()
            return False
        oauth = state.oauth if state.oauth and state.oauth.username == username else None
        if oauth is None and self.oauth.isVisible() and not self.password.text():
            self.error.setText(
                "Please sign in with the button above, or enter an app password if your "
                "provider gave you one."
            )
            self.error.show()
            self.oauth.sign_in_button.setFocus()
            return False
        if self.needs_login.isChecked() and oauth is None and not self.password.text():
            self.error.setText("Please enter the password.")
            self.error.show()
            self.password.setFocus()
            return False
        self.error.hide()
        assert state.settings is not None
        state.settings = state.settings.with_changes(username=username or None)
        state.oauth = oauth
        # A typed password (an app password) wins over the OAuth2 sign-in, as the user chose.
        if self.password.text():
            state.oauth = None
        state.password = self.password.text() if username else ""
        if self.keychain.running:
            # Next before the keychain answered: the box was greyed, not theirs to tick yet, so
            # their choice so far (remember, unless they unticked it before) stands; saving
            # after the test says so if there is no keychain after all.
            state.remember_password = state.remember_password and bool(username)
        else:
            state.remember_password = self.remember.isChecked() and self.remember.isEnabled()
        state.send_test_to = send_to
        return True

    def cleanupPage(self) -> None:
        self.keychain.cancel()
        self.oauth.stop()
