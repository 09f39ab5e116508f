"""Page 1: who you are, and whether we should find the settings for you."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLineEdit, QRadioButton, QVBoxLayout

from ...core.errors import InputError
from ..page_ids import PageId
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
        layout.addStretch(1)
        self.registerField("email*", self.email)
        self.email.textChanged.connect(self._clear_error)
        self.setTabOrder(self.name, self.email)
        self.setTabOrder(self.email, self.find_choice)
        self.setTabOrder(self.find_choice, self.manual)

    def _clear_error(self) -> None:
        self.email_error.hide()

    def initializePage(self) -> None:
        if self.state.email and not self.email.text():
            self.email.setText(self.state.email)
            self.name.setText(self.state.name)

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
        if address != state.email:
            state.settings = None
            state.last_result = None
        state.email, state.name = address, name
        state.manual = self.manual.isChecked()
        return True

    def nextId(self) -> int:
        return int(PageId.SERVER if self.manual.isChecked() else PageId.FINDING)
