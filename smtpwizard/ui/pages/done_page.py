"""Page 6: the settings that work, saved as a profile, with a card to copy and the exports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from ...core.settings import Account
from ..desk import desk_label, show_desk_words
from ..hints import shown_diagnosis
from ..settings_text import settings_card_text, settings_lines
from ..theme import hint_label, wrap_label
from ..widgets.diagnosis_card import DiagnosisCard
from ..widgets.report_button import SaveReportRow
from .base import WizardPageBase

if TYPE_CHECKING:
    from ..widgets.exports_panel import ExportsPanel


class DonePage(WizardPageBase):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Your email is ready to send")
        self.setSubTitle("These settings were tested and work. Use them in any mail program.")
        self.verdict = DiagnosisCard()  # the test that proved them, in one card
        self.verdict.setAccessibleName("Test result")
        self.verdict.hide()
        self.summary = QFormLayout()
        summary_box = QGroupBox("Working settings")
        summary_box.setLayout(self.summary)
        self.saved = hint_label()
        self.saved.setAccessibleName("Where the settings were saved")
        self.copy = QPushButton("&Copy these settings")
        self.copy.setToolTip("Copy the settings as text, for example to send them to someone")
        self.copy.clicked.connect(self._copy)
        row = QHBoxLayout()
        row.addWidget(self.saved, 1)
        row.addWidget(self.copy)
        self.exports_box = QGroupBox("Use these settings elsewhere")
        self.exports_layout = QVBoxLayout(self.exports_box)
        self.exports_layout.addWidget(
            hint_label("Ready-made files for mail programs, websites and developer tools.")
        )
        from ..widgets.deliverability_panel import DeliverabilityPanel

        self.arrival = DeliverabilityPanel(self)
        self.desk = desk_label()
        self.report = SaveReportRow()
        self.scrolling(
            self.desk, self.verdict, summary_box, row, self.report, self.arrival, self.exports_box
        )
        self._exports: ExportsPanel | None = None  # built when first shown: it imports a lot

    def initializePage(self) -> None:
        state = self.state
        settings = state.settings
        assert settings is not None
        result = state.last_result
        if result is not None and result.ok:
            diagnosis = shown_diagnosis(result.diagnosis, demo=state.demo)
            self.verdict.show_diagnosis(diagnosis, None, alternatives=False)
            self.verdict.show()
        else:
            self.verdict.hide()
        while self.summary.rowCount():
            self.summary.removeRow(0)
        for label, value in settings_lines(
            settings, email=state.email, name=state.name, password_saved=state.password_saved
        ):
            field = wrap_label(value, selectable=True)
            field.setAccessibleName(label)
            self.summary.addRow(QLabel(f"{label}:"), field)
        self._save_profile()
        show_desk_words(self.desk, state, "done")
        self.report.show_for(state)
        self._check_domain()
        self._build_exports()

    def first_empty_field(self) -> None:
        # Nothing here must be typed: the cursor goes to Finish, not into an export's options.
        return None

    def _check_domain(self) -> None:
        from ...core.deliverability import DeliverabilityOptions
        from ...core.inputs import email_domain

        state = self.state
        assert state.settings is not None
        options = DeliverabilityOptions(
            smtp_host=state.settings.host,
            dns_server=state.resolver.dns_server,
            ca_file=state.ca_file,
        )
        self.arrival.start(email_domain(state.email), options)
        self._offer_read_back()

    def _offer_read_back(self) -> None:
        """Only for a test message sent to the person's own, encrypted IMAP mailbox (and not in
        the demo, whose server keeps test messages instead of delivering them)."""
        from ...core.deliverability import is_test_domain
        from ...core.settings import IncomingProtocol, Security

        state = self.state
        result, incoming = state.last_result, state.incoming
        if (
            (is_test_domain(state.email) and state.resolver.dns_server is None)
            or result is None
            or not result.message_id
            or incoming is None
            or incoming.protocol is not IncomingProtocol.IMAP
            or incoming.security is Security.NONE
            or state.send_test_to.lower() != state.email.lower()
            or not state.password
        ):
            self.arrival.receiver.hide()
            return
        username = incoming.username or (state.settings.username if state.settings else "")
        self.arrival.receiver.offer(
            incoming, username or state.email, state.password, result.message_id, state.ca_file
        )

    def _save_profile(self) -> None:
        from ...core.profiles import (
            CheckSummary,
            Profile,
            ProfileError,
            SignInMethod,
            save_profile,
        )

        state = self.state
        assert state.settings is not None
        name = state.profile_name or state.email
        result = state.last_result
        profile = Profile(
            name=name,
            server=state.settings,
            account=Account(email=state.email, display_name=state.name, incoming=state.incoming),
            last_check=CheckSummary.now(
                ok=bool(result and result.ok),
                diagnosis=None if result is None or result.ok else result.diagnosis.code,
            ),
            # How it signs in, never with what: the tokens stay in the keychain.
            sign_in=SignInMethod()
            if state.oauth is None
            else SignInMethod(
                True,
                state.oauth.config.provider_key,
                state.oauth.config.issuer,
                state.oauth.config.client_id,
                state.oauth.config.scopes,
            ),
        )
        try:
            path = save_profile(profile)
        except (ProfileError, OSError) as exc:
            self.saved.setText(f"The settings could not be saved: {exc}")
            return
        state.saved_profile = str(path)
        self.saved.setText(
            f"Saved as “{name}” (without the password) so you can test them again later."
        )

    def _build_exports(self) -> None:
        if self._exports is None:
            from ..widgets.exports_panel import ExportsPanel

            self._exports = ExportsPanel()
            self.exports_layout.addWidget(self._exports)
        self._exports.set_account(self.state)

    def _copy(self) -> None:
        state = self.state
        assert state.settings is not None
        QGuiApplication.clipboard().setText(
            settings_card_text(
                state.settings,
                email=state.email,
                name=state.name,
                password_saved=state.password_saved,
            )
        )
        self.copy.setText("Copied ✓")
