""" "Sign in with Microsoft/Google": the OAuth2 sign-in on the sign-in page.

The provider's page opens in the system browser (never inside the wizard: RFC 8252), and the
box says what is happening while it is open; Cancel stops the wait and closes the listener.
The client ID is the user's or their organisation's own app (a short guide says how to get
one); a preset from a support desk (or the tests) may bring a whole configuration instead.
The refresh token goes to the keychain off the GUI thread (core/credentials runs each call on
its own thread); the access token stays in memory.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from ...core.errors import InputError
from ..tasks import TaskRunner
from ..theme import error_label, hint_label, wrap_label

if TYPE_CHECKING:
    from ...core.oauth import OAuthConfig, OAuthProvider, SignIn


def open_in_system_browser(url: str) -> None:
    QDesktopServices.openUrl(QUrl(url))


class OAuthBox(QGroupBox):
    signed_in = Signal(object)  # the SignIn

    def __init__(self) -> None:
        super().__init__("Sign in with your provider (recommended)")
        self.provider: OAuthProvider | None = None
        self.preset: OAuthConfig | None = None
        self.username = ""
        self.open_url: Callable[[str], None] = open_in_system_browser
        self.intro = wrap_label()
        self.client_id = QLineEdit()
        self.client_id.setAccessibleName("Client ID of your registered app")
        self.client_secret = QLineEdit()
        self.client_secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.client_secret.setAccessibleName("Client secret of your registered app")
        self.form = QFormLayout()
        self.form.addRow("&Client ID:", self.client_id)
        self.form.addRow("Client &secret:", self.client_secret)
        self.guide_button = QPushButton("How do I get a client ID?")
        self.guide_button.setCheckable(True)
        self.guide = hint_label()
        self.guide.hide()
        self.sign_in_button = QPushButton("Sign in")
        self.sign_in_button.setDefault(False)
        self.sign_in_button.setAutoDefault(False)
        self.cancel_button = QPushButton("Cancel sign-in")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.hide()
        self.status = wrap_label()
        self.status.setAccessibleName("Sign-in status")
        self.error = error_label()
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_in_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.guide_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addLayout(buttons)
        layout.addWidget(self.guide)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        self.runner = TaskRunner(self)
        self.runner.succeeded.connect(self._succeeded)
        self.runner.failed.connect(self._failed)
        self.runner.cancelled.connect(self._cancelled)
        self.runner.running_changed.connect(self._running)
        self.sign_in_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.guide_button.toggled.connect(self.guide.setVisible)

    def configure(self, provider: OAuthProvider | None, preset: OAuthConfig | None) -> None:
        self.provider, self.preset = provider, preset
        label = preset.label if preset else provider.label if provider else ""
        self.sign_in_button.setText(f"Sign in with {label}")
        self.sign_in_button.setAccessibleName(f"Sign in with {label} in your browser")
        self.intro.setText(
            f"{label} wants its own sign-in page instead of a password here: your browser "
            "opens, you sign in there and allow sending mail, and you come back."
        )
        needs_id = preset is None
        needs_secret = needs_id and provider is not None and provider.needs_client_secret
        for row, shown in ((0, needs_id), (1, needs_secret)):
            self.form.setRowVisible(row, shown)
        self.guide_button.setVisible(needs_id)
        if needs_id and provider is not None and not self.client_id.text():
            self.client_id.setText(remembered_client_ids().get(provider.key, ""))
        if provider is not None:
            steps = "\n".join(f"{n}. {s}" for n, s in enumerate(provider.register_guide, 1))
            self.guide.setText(f"Register your own app with {provider.label} once:\n{steps}")

    def config(self) -> OAuthConfig:
        from ...core.oauth import config_from_provider

        if self.preset is not None:
            return self.preset
        assert self.provider is not None
        return config_from_provider(
            self.provider, self.client_id.text().strip(), self.client_secret.text().strip()
        )

    def start(self) -> None:
        try:
            config = self.config()
        except InputError as exc:
            self.error.setText(exc.message)
            self.error.show()
            (self.client_secret if exc.field == "client_secret" else self.client_id).setFocus()
            return
        self.error.hide()
        username = self.username
        self.status.setText(
            f"Your browser is open at {config.label}'s sign-in page. Sign in there and allow "
            "sending mail; this box carries on by itself when you are done."
        )
        self.runner.start(lambda _progress: _sign_in(config, username, self.open_url))

    def _running(self, running: bool) -> None:
        self.cancel_button.setVisible(running)
        self.sign_in_button.setEnabled(not running)

    def _succeeded(self, outcome: Any) -> None:
        sign_in, kept = outcome
        where = (
            "kept in this computer's keychain"
            if kept
            else "not kept (no keychain here): you will sign in again next time"
        )
        self.status.setText(
            f"Signed in as {sign_in.username} with {sign_in.config.label}; {where}."
        )
        self.signed_in.emit(sign_in)

    def _failed(self, exc: object) -> None:
        from ...core.oauth import OAuthFailure

        self.status.setText("")
        if isinstance(exc, OAuthFailure):
            self.error.setText(f"{exc.title}. {exc.explanation} {exc.fix}")
        else:
            self.error.setText(f"The sign-in did not work ({exc}).")
        self.error.show()

    def _cancelled(self) -> None:
        self.status.setText("Sign-in cancelled. You can start it again whenever you like.")

    def stop(self) -> None:
        self.runner.cancel()


async def _sign_in(
    config: OAuthConfig, username: str, open_url: Callable[[str], None]
) -> tuple[SignIn, bool]:
    from ...core.credentials import KeychainError
    from ...core.oauth import SignIn, browser_sign_in, save_sign_in

    tokens = await browser_sign_in(config, open_url, login_hint=username or None)
    sign_in = SignIn(username, config, tokens)
    try:
        await save_sign_in(sign_in)
    except KeychainError:
        return sign_in, False
    return sign_in, True


# The client ID is entered once per provider: it is not a secret (the client secret, when a
# provider has one, stays in the keychain entry only), so the wizard's small state file keeps it.
_CLIENT_IDS = "oauth_client_ids"


def remembered_client_ids() -> dict[str, str]:
    from ...core.app_state import load_app_state

    ids = load_app_state().get(_CLIENT_IDS)
    return {str(k): str(v) for k, v in ids.items()} if isinstance(ids, dict) else {}


def remember_client_id(provider: str, client_id: str) -> None:
    from ...core.app_state import AppStateError, load_app_state, save_app_state

    state = load_app_state()
    ids = state.get(_CLIENT_IDS)
    state[_CLIENT_IDS] = {**(ids if isinstance(ids, dict) else {}), provider: client_id}
    with contextlib.suppress(AppStateError, ValueError):  # a convenience, never a failure
        save_app_state(state)
