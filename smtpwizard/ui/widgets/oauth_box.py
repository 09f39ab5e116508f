""" "Sign in with Microsoft/Google": the OAuth2 sign-in on the sign-in page.

The provider's page opens in the system browser (never inside the wizard: RFC 8252), and the
box says what is happening while it is open; Cancel stops the wait and closes the listener.
The client ID is the user's or their organisation's own app (a short guide says how to get
one); a preset from a support desk (or the tests) may bring a whole configuration instead.
The refresh token goes to the keychain off the GUI thread (core/credentials runs each call on
its own thread); the access token stays in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
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
    from ...core.oauth import DiscoveredSignIn, OAuthConfig, OAuthProvider, SignIn


def open_in_system_browser(url: str) -> None:
    QDesktopServices.openUrl(QUrl(url))


class OAuthBox(QGroupBox):
    signed_in = Signal(object)  # the SignIn

    def __init__(self) -> None:
        super().__init__("Sign in with your provider (recommended)")
        self.provider: OAuthProvider | None = None
        self.preset: OAuthConfig | None = None
        self.offer: DiscoveredSignIn | None = None  # named by a discovered <oAuth2> block
        self.ca_file: str | None = None  # a private CA for the provider (demo, tests)
        self._needs_trust = False
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
        # Where the browser goes, said plainly before it opens; and for a sign-in page that a
        # lower-trust document named outside your organisation, a consent naming both domains.
        self.where = wrap_label()
        self.where.setObjectName("signInWhere")
        self.where.setAccessibleName("Where you will sign in")
        self.warning = error_label()
        self.trust = QCheckBox()
        self.trust.setAccessibleName("Confirm where you will sign in")
        self.trust.setToolTip("Press Space to tick")
        self.trust.hide()
        self.trust.toggled.connect(self._trust_toggled)
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
        layout.addWidget(self.where)
        layout.addWidget(self.warning)
        layout.addWidget(self.trust)
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

    def configure(
        self,
        provider: OAuthProvider | None,
        preset: OAuthConfig | None,
        offer: DiscoveredSignIn | None = None,
    ) -> None:
        self.provider, self.preset, self.offer = provider, preset, offer
        if preset is not None:
            label = preset.label
        elif provider is not None:
            label = provider.label
        else:
            assert offer is not None
            label = offer.label
        self.sign_in_button.setText(f"Sign in with {label}")
        self.sign_in_button.setAccessibleName(f"Sign in with {label} in your browser")
        self.intro.setText(
            f"{label} wants its own sign-in page instead of a password here: your browser "
            "opens, you sign in there and allow sending mail, and you come back."
        )
        needs_id = preset is None
        needs_secret = needs_id and (
            offer is not None or (provider is not None and provider.needs_client_secret)
        )
        for row, shown in ((0, needs_id), (1, needs_secret)):
            self.form.setRowVisible(row, shown)
        self.client_secret.setPlaceholderText("Only if your app has one" if offer else "")
        self.guide_button.setVisible(needs_id)
        key = provider.key if provider else offer.key if offer else None
        if needs_id and key is not None and not self.client_id.text():
            self.client_id.setText(remembered_client_ids().get(key, ""))
        self._show_where(preset, provider, offer)
        steps = provider.register_guide if provider else ()
        if offer is not None:
            from ...core.oauth import generic_guide

            steps = generic_guide(offer)
        numbered = "\n".join(f"{n}. {s}" for n, s in enumerate(steps, 1))
        self.guide.setText(f"Register your own app with {label} once:\n{numbered}")

    def _show_where(
        self,
        preset: OAuthConfig | None,
        provider: OAuthProvider | None,
        offer: DiscoveredSignIn | None,
    ) -> None:
        from urllib.parse import urlsplit

        if offer is not None:
            self.where.setText(offer.where_words())
        else:
            url = preset.authorization_endpoint if preset else ""
            url = url or (provider.authorization_endpoint if provider else "")
            self.where.setText(
                f"Your browser will open {urlsplit(url).hostname}. Type your password only there."
            )
        confirm = offer is not None and offer.needs_confirmation
        self._needs_trust = confirm
        self.warning.setText(offer.warning() if offer is not None and confirm else "")
        self.warning.setVisible(confirm)
        self.trust.setText(
            f"{offer.consent_words()}: sign &me in there" if offer and confirm else ""
        )
        self.trust.setChecked(False)
        self.trust.setVisible(confirm)
        self._trust_toggled(False)

    def _trust_toggled(self, on: bool) -> None:
        self.sign_in_button.setEnabled((on or not self._needs_trust) and not self.runner.running)

    def _key(self) -> str | None:
        return self.provider.key if self.provider else self.offer.key if self.offer else None

    def config(self) -> OAuthConfig:
        from ...core.oauth import config_from_provider

        if self.preset is not None:
            return self.preset
        if self.offer is not None:
            return self.offer.config(
                self.client_id.text().strip(), self.client_secret.text().strip() or None
            )
        assert self.provider is not None
        return config_from_provider(
            self.provider, self.client_id.text().strip(), self.client_secret.text().strip()
        )

    def start(self) -> None:
        from dataclasses import replace

        offer = self.offer
        if self._needs_trust and not self.trust.isChecked():
            self.trust.setFocus()
            return
        try:
            if offer is not None and offer.needs_discovery:
                from ...core.oauth import OAuthConfig

                # Checked now with the very rules a config uses; the addresses come later.
                OAuthConfig("x", "https://x.invalid/", "https://x.invalid/", ("s",), self._id())
                config: OAuthConfig | None = None
            else:
                config = self.config()
                if self.ca_file and config.ca_file is None:
                    config = replace(config, ca_file=self.ca_file)
        except InputError as exc:
            self.error.setText(exc.message)
            self.error.show()
            (self.client_secret if exc.field == "client_secret" else self.client_id).setFocus()
            return
        self.error.hide()
        username, key, client_id = self.username, self._key(), self._id()
        label = config.label if config else offer.label if offer else ""
        self.status.setText(
            f"Your browser is open at {label}'s sign-in page. Sign in there and allow "
            "sending mail; this box carries on by itself when you are done."
        )
        secret, ca_file, open_url = (
            self.client_secret.text().strip() or None,
            self.ca_file,
            self.open_url,
        )

        async def work(_progress: object) -> tuple[SignIn, bool]:
            chosen = config
            if chosen is None:
                assert offer is not None
                chosen = await offer.resolve(client_id, secret, ca_file=ca_file)
            outcome = await _sign_in(chosen, username, open_url)
            if key is not None and self.preset is None:
                import asyncio

                await asyncio.to_thread(remember_client_id, key, client_id)
            return outcome

        self.runner.start(work)

    def _id(self) -> str:
        return self.client_id.text().strip()

    def _running(self, running: bool) -> None:
        self.cancel_button.setVisible(running)
        self.sign_in_button.setEnabled(
            not running and (not self._needs_trust or self.trust.isChecked())
        )

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


# core.oauth's own, imported when first called: importing core.oauth loads httpx and asyncio,
# and the page holding this box is built while the first page waits for the person.
def remembered_client_ids() -> dict[str, str]:
    from ...core.oauth.client_ids import remembered_client_ids as remembered

    return remembered()


def remember_client_id(key: str, client_id: str) -> None:
    from ...core.oauth.client_ids import remember_client_id as remember

    remember(key, client_id)
