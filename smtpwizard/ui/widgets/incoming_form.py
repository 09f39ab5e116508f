"""Asks for the incoming (IMAP/POP3) server when an export needs it, and checks it answers."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ...core.errors import InputError
from ...core.incoming_check import IncomingCheck, check_incoming
from ...core.inputs import parse_host
from ...core.settings import IncomingProtocol, IncomingServer, Security
from ..state import WizardState
from ..tasks import TaskRunner
from ..theme import colours, hint_label

_DEFAULT_PORTS = {
    (IncomingProtocol.IMAP, Security.TLS): 993,
    (IncomingProtocol.IMAP, Security.STARTTLS): 143,
    (IncomingProtocol.POP3, Security.TLS): 995,
    (IncomingProtocol.POP3, Security.STARTTLS): 110,
}


class IncomingForm(QGroupBox):
    confirmed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("This file also needs your incoming mail server", parent)
        self.server: IncomingServer | None = None
        self._state: WizardState | None = None
        self.protocol = QComboBox()
        self.protocol.addItem("IMAP (recommended: mail stays on the server)", "imap")
        self.protocol.addItem("POP3 (mail is downloaded to one computer)", "pop3")
        self.protocol.setAccessibleName("Incoming mail protocol")
        self.host = QLineEdit()
        self.host.setPlaceholderText("imap.example.com")
        self.host.setAccessibleName("Incoming server name")
        self.security = QComboBox()
        self.security.addItem("SSL/TLS", "tls")
        self.security.addItem("STARTTLS", "starttls")
        self.security.setAccessibleName("Incoming server encryption")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(993)
        self.port.setAccessibleName("Incoming server port")
        self.check = QPushButton("Check and &use this server")
        self.status = hint_label("Your provider's help pages list it, next to the SMTP server.")
        form = QFormLayout(self)
        form.addRow("Type:", self.protocol)
        form.addRow("Server:", self.host)
        form.addRow("Encryption:", self.security)
        form.addRow("Port:", self.port)
        form.addRow("", self.check)
        form.addRow("", self.status)
        self.protocol.currentIndexChanged.connect(self._default_port)
        self.security.currentIndexChanged.connect(self._default_port)
        self.check.clicked.connect(self.run_check)
        self.runner = TaskRunner(self)
        self.runner.succeeded.connect(self._checked)
        self.runner.failed.connect(lambda exc: self._show(False, str(exc)))
        self.runner.running_changed.connect(lambda on: self.check.setEnabled(not on))

    def set_defaults(self, state: WizardState) -> None:
        self._state = state
        if not self.host.text() and state.email:
            self.host.setText("imap." + state.email.rpartition("@")[2])

    def _default_port(self, *_args: object) -> None:
        key = (IncomingProtocol(self.protocol.currentData()), Security(self.security.currentData()))
        self.port.setValue(_DEFAULT_PORTS[key])

    def run_check(self) -> None:
        try:
            host = parse_host(self.host.text(), "incoming_host").host
        except InputError as exc:
            self._show(False, exc.message)
            return
        server = IncomingServer(
            protocol=IncomingProtocol(self.protocol.currentData()),
            host=host,
            port=self.port.value(),
            security=Security(self.security.currentData()),
        )
        self._pending = server
        self.status.setText(f"Checking {host}…")
        state = self._state
        ca_file = state.ca_file if state else None
        resolver = state.resolver if state else None
        self.runner.start(lambda _p: check_incoming(server, ca_file=ca_file, resolver=resolver))

    def _checked(self, result: Any) -> None:
        assert isinstance(result, IncomingCheck)
        self._show(result.ok, result.message)
        if result.ok:
            self.server = self._pending
            self.confirmed.emit()

    def _show(self, ok: bool, message: str) -> None:
        self.status.setText(("✓ " if ok else "✗ ") + message)
        self.status.setStyleSheet(f"color: {colours()['ok' if ok else 'fail']};")
