"""The diagnosis card: what went wrong, why, what to do, and the one-click fix."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core.diagnosis import Diagnosis
from ..theme import colours, plain_label, wrap_label

_FIELD_WORDS = {"security": "encryption", "host": "server name", "port": "port"}
_SECURITY_WORDS = {"starttls": "STARTTLS", "tls": "SSL/TLS", "none": "None"}


def suggestion_words(suggestion: dict[str, Any]) -> str:
    parts = []
    for key, value in suggestion.items():
        if key == "trusted_fingerprint":
            continue
        shown = _SECURITY_WORDS.get(str(value), str(value)) if key == "security" else str(value)
        parts.append(f"{_FIELD_WORDS.get(key, key)} to {shown}")
    return " and ".join(parts)


class CertificateBox(QFrame):
    """Shows a certificate and asks for an explicit decision before trusting it."""

    trust_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Certificate details")
        self._fingerprint = ""
        form = QFormLayout()
        self.issued_to = wrap_label(selectable=True)
        self.issuer = wrap_label(selectable=True)
        self.names = wrap_label(selectable=True)
        self.valid_until = wrap_label(selectable=True)
        self.fingerprint = wrap_label(selectable=True)
        self.fingerprint.setStyleSheet("font-family: monospace;")
        form.addRow("Issued to:", self.issued_to)
        form.addRow("Issued by:", self.issuer)
        form.addRow("Valid for:", self.names)
        form.addRow("Valid until:", self.valid_until)
        form.addRow("Fingerprint (SHA-256):", self.fingerprint)
        self.confirm = QCheckBox(
            "I compared this fingerprint with the one my administrator gave me, and they match"
        )
        self.confirm.setAccessibleName("Confirm that the fingerprint matches")
        self.trust = QPushButton("&Trust this certificate and test again")
        self.trust.setEnabled(False)
        self.trust.setToolTip(
            "Only this exact certificate will be trusted for this server. If it ever changes, "
            "smtpwizard will warn you and will not sign in."
        )
        self.confirm.toggled.connect(self.trust.setEnabled)
        self.trust.clicked.connect(lambda: self.trust_requested.emit(self._fingerprint))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.confirm)
        layout.addWidget(self.trust)

    def show_certificate(self, cert: dict[str, Any], *, can_trust: bool) -> None:
        self._fingerprint = str(cert.get("fingerprint_sha256", ""))
        self.issued_to.setText(str(cert.get("subject", "")))
        self.issuer.setText(
            str(cert.get("issuer", ""))
            + ("  (it signed itself)" if cert.get("self_signed") else "")
        )
        self.names.setText(", ".join(cert.get("san_names", [])) or "(no names)")
        self.valid_until.setText(str(cert.get("not_after", ""))[:10])
        fp = self._fingerprint.upper()
        pairs = [fp[i : i + 2] for i in range(0, len(fp), 2)]
        # Two lines of 16 pairs: one 95-character line made the whole page scroll sideways.
        self.fingerprint.setText(":".join(pairs[:16]) + "\n" + ":".join(pairs[16:]))
        self.confirm.setChecked(False)
        self.confirm.setVisible(can_trust)
        self.trust.setVisible(can_trust)


class DiagnosisCard(QFrame):
    apply_suggestion = Signal(dict)
    try_alternatives = Signal()
    trust_certificate = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("diagnosisCard")
        self.setAccessibleName("What went wrong")
        self._suggestion: dict[str, Any] | None = None
        self.title = plain_label()
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.explanation = wrap_label(selectable=True)
        self.fix = wrap_label(selectable=True)
        # A suggestion that moves the password to another organisation: the warning naming
        # both domains, and a tick that must be given before the button does anything.
        self.warning = wrap_label(selectable=True)
        self.warning.setStyleSheet(f"color: {colours()['fail']}; font-weight: bold;")
        self.consent = QCheckBox()
        self.consent.setAccessibleName("Confirm sending the password to this other organisation")
        self.apply = QPushButton()
        self.apply.setAccessibleName("Apply the suggested fix and test again")
        self.apply.clicked.connect(self._apply)
        self.consent.toggled.connect(self.apply.setEnabled)
        self.alternatives = QPushButton("Try &other ports for me")
        self.alternatives.clicked.connect(self.try_alternatives.emit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply)
        buttons.addWidget(self.alternatives)
        buttons.addStretch(1)
        self.note = wrap_label(selectable=True)
        self.note.setAccessibleName("What else we tried")
        self.note.hide()
        self.certificate = CertificateBox()
        self.certificate.trust_requested.connect(self.trust_certificate.emit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.explanation)
        layout.addWidget(self.fix)
        layout.addWidget(self.note)
        layout.addWidget(self.warning)
        layout.addWidget(self.consent)
        layout.addLayout(buttons)
        layout.addWidget(self.certificate)

    def show_diagnosis(
        self,
        diagnosis: Diagnosis,
        certificate: dict[str, Any] | None,
        *,
        alternatives: bool,
    ) -> None:
        palette = colours()
        ok = diagnosis.ok
        self.setStyleSheet(
            f"#diagnosisCard {{ background: {palette['card_ok' if ok else 'card']}; "
            f"border: 1px solid {palette['border_ok' if ok else 'border']}; border-radius: 6px; }}"
        )
        self.title.setText(("✓ " if ok else "✗ ") + diagnosis.title)
        self.note.hide()
        self.explanation.setText(diagnosis.explanation)
        self.fix.setText(("" if ok else "What to do: ") + diagnosis.fix)
        suggestion = diagnosis.suggestion or {}
        plain = {k: v for k, v in suggestion.items() if k != "trusted_fingerprint"}
        self._suggestion = plain or None
        crossing = bool(plain and diagnosis.needs_consent and diagnosis.consent)
        self.warning.setText(diagnosis.warning if crossing else "")
        self.warning.setVisible(crossing)
        self.consent.setText(diagnosis.consent if crossing else "")
        self.consent.setChecked(False)
        self.consent.setVisible(crossing)
        if plain and (crossing or not diagnosis.needs_consent):
            if "allow_insecure_auth" in plain:
                self.apply.setText("&Fix it: allow unencrypted sign-in here and test again")
            else:
                self.apply.setText(f"&Fix it: change the {suggestion_words(plain)} and test again")
            self.apply.setEnabled(not crossing)
            self.apply.show()
        else:
            self.apply.hide()
        self.alternatives.setVisible(alternatives and not ok)
        can_trust = "trusted_fingerprint" in suggestion and diagnosis.needs_consent
        if certificate and not ok:
            self.certificate.show_certificate(certificate, can_trust=can_trust)
            self.certificate.show()
        else:
            self.certificate.hide()

    def show_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def _apply(self) -> None:
        if self.consent.isVisible() and not self.consent.isChecked():
            return  # another organisation's server: only with the tick
        if self._suggestion:
            self.apply_suggestion.emit(dict(self._suggestion))


class TechnicalDetails(QWidget):
    """A collapsed section with the redacted transcript and a copy button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.toggle = QToolButton()
        self.toggle.setText("Show technical &details")
        self.toggle.setCheckable(True)
        self.toggle.setAccessibleName("Show technical details")
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Conversation with the server (passwords hidden)")
        self.text.setMinimumHeight(140)
        self.copy = QPushButton("&Copy details")
        self.copy.setToolTip("Copy the conversation to paste it in a support request")
        self.copy.clicked.connect(self._copy)
        self.body = QWidget()
        body_layout = QVBoxLayout(self.body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.addWidget(self.text)
        body_layout.addWidget(self.copy)
        self.body.hide()
        self.toggle.toggled.connect(self._toggled)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toggle)
        layout.addWidget(self.body)

    def _toggled(self, shown: bool) -> None:
        self.body.setVisible(shown)
        self.toggle.setText("Hide technical &details" if shown else "Show technical &details")

    def set_lines(self, lines: list[str]) -> None:
        self.text.setPlainText("\n".join(lines))

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())
