"""Page 3: the outgoing server, its port and encryption, with the seed's port guidance inline."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QSpinBox

from ...core.errors import InputError
from ...core.inputs import parse_host
from ...core.settings import PORT_GUIDANCE, Security, ServerSettings, default_security_for_port
from ..theme import error_label, hint_label, wrap_label
from .base import WizardPageBase

SECURITY_CHOICES = (
    (Security.STARTTLS, "STARTTLS (encrypts after connecting; usual on port 587)"),
    (Security.TLS, "SSL/TLS (encrypted from the start; usual on port 465)"),
    (Security.NONE, "None (not encrypted; only for a server on your own network)"),
)


_FIELD = {"server": "host", "port": "port", "encryption": "security"}


class ServerPage(WizardPageBase):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Your outgoing mail server")
        self.setSubTitle(
            'These come from your provider (look for "SMTP" or "outgoing server" in their '
            "help pages). You can paste an address like smtp://mail.example.com:587."
        )
        self.source = hint_label()
        self.host = QLineEdit()
        self.host.setPlaceholderText("smtp.example.com")
        self.host.setAccessibleName("Outgoing server name")
        self.host.setToolTip("The name of your provider's outgoing (SMTP) server")
        self.host_error = error_label()
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(587)
        self.port.setAccessibleName("Port")
        self.port.setToolTip("587 is right for most providers; 465 when they ask for SSL")
        self.security = QComboBox()
        for value, label in SECURITY_CHOICES:
            self.security.addItem(label, value.value)
        self.security.setAccessibleName("Encryption")
        self.security.setToolTip("How the connection to the server is protected")
        self.guidance = wrap_label()
        self.warning = error_label()
        form = QFormLayout()
        form.addRow("&Server:", self.host)
        form.addRow("", self.host_error)
        form.addRow("&Port:", self.port)
        form.addRow("&Encryption:", self.security)
        ports = hint_label(
            "Ports: " + "  •  ".join(PORT_GUIDANCE[p].split(":")[0] for p in (587, 465, 2525, 25))
        )
        self.scrolling(self.source, form, self.guidance, self.warning, ports)
        self.registerField("host*", self.host)
        self.host.editingFinished.connect(self._understand_paste)
        self.host.textChanged.connect(lambda: self.host_error.hide())
        self.port.valueChanged.connect(self._port_changed)
        self.security.currentIndexChanged.connect(self._update_help)
        self._security_touched = False
        self.security.activated.connect(self._mark_touched)
        self.setTabOrder(self.host, self.port)
        self.setTabOrder(self.port, self.security)
        self._update_help()

    def _mark_touched(self) -> None:
        self._security_touched = True

    def initializePage(self) -> None:
        from ..desk import desk_words, lock

        settings = self.state.settings
        if settings is not None:
            self.host.setText(settings.host)
            self.port.setValue(settings.port)
            self._set_security(settings.security)
            self.source.setText(
                f"Filled in from what we found ({self.state.settings_source}). Change anything "
                "that does not look right."
                if self.state.settings_source
                else ""
            )
        else:
            self.source.setText("")
        fixed = [
            name
            for name, widget in (
                ("server", self.host),
                ("port", self.port),
                ("encryption", self.security),
            )
            if lock(widget, self.state, _FIELD[name])
        ]
        if self.state.preset is not None:
            words = desk_words(self.state, "server")
            if fixed:
                words += f"\nFixed by your support desk: {', '.join(fixed)}."
            self.source.setText(words)
        self.source.setVisible(bool(self.source.text()))
        self._update_help()

    def _set_security(self, security: Security) -> None:
        self.security.setCurrentIndex(self.security.findData(security.value))

    def current_security(self) -> Security:
        return Security(self.security.currentData())

    def _understand_paste(self) -> None:
        text = self.host.text()
        if not text.strip():
            return
        try:
            parsed = parse_host(text)
        except InputError as exc:
            self.host_error.setText(exc.message)
            self.host_error.show()
            return
        if parsed.port is not None:
            self.port.setValue(parsed.port)
        if parsed.security is not None:
            self._set_security(parsed.security)
            self._security_touched = True
        if parsed.display != text:
            self.host.setText(parsed.display)

    def _port_changed(self, port: int) -> None:
        if not self._security_touched:
            self._set_security(default_security_for_port(port))
        self._update_help()

    def _update_help(self) -> None:
        port = self.port.value()
        security = self.current_security()
        text = PORT_GUIDANCE.get(port) or self._unusual_port_words(port)
        self.guidance.setText(text)
        if security is Security.NONE:
            self.warning.setText(
                "Without encryption, everything you send, including your password, can be read "
                "on the way. smtpwizard will not send your password this way unless you allow it."
            )
            self.warning.show()
        elif (port == 465 and security is Security.STARTTLS) or (
            port == 587 and security is Security.TLS
        ):
            self.warning.setText(
                f"Port {port} normally uses "
                f"{'SSL/TLS' if port == 465 else 'STARTTLS'}; the test will tell if this works."
            )
            self.warning.show()
        else:
            self.warning.hide()

    def _unusual_port_words(self, port: int) -> str:
        found = self.state.settings if self.wizard() is not None else None
        if found is not None and found.port == port and self.state.settings_source:
            tested = " and it answered when we tried it" if self.state.verified_by_probe else ""
            return (
                f"Port {port} is not one of the usual ports, but it is the one we found "
                f"({self.state.settings_source}){tested}."
            )
        return (
            f"Port {port} is unusual for sending mail; check it with your provider. "
            "587 is the standard."
        )

    def validatePage(self) -> bool:
        try:
            parsed = parse_host(self.host.text())
        except InputError as exc:
            self.host_error.setText(exc.message)
            self.host_error.show()
            self.host.setFocus()
            return False
        port = parsed.port or self.port.value()
        security = parsed.security or self.current_security()
        previous = self.state.settings
        changed = previous is None or (previous.host, previous.port, previous.security) != (
            parsed.host,
            port,
            security,
        )
        self.state.settings = ServerSettings(
            host=parsed.host,
            port=port,
            security=security,
            username=previous.username if previous else None,
            allow_insecure_auth=previous.allow_insecure_auth if previous and not changed else False,
            trusted_fingerprint=(
                previous.trusted_fingerprint if previous and previous.host == parsed.host else None
            ),
            password_encrypted=bool(
                previous and previous.host == parsed.host and previous.password_encrypted
            ),
        )
        if changed:
            self.state.settings_source = self.state.settings_source or "entered by you"
        return True
