"""The exports on the Done page: where they will be used (export_chooser.py), then a preview,
how to use the file, copy, save and open its folder."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFontDatabase, QFontMetrics, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ...core.exporters.base import ExportError, ExportFormat, ExportResult
from ...core.exporters.registry import FORMATS, render_export, write_export
from ...core.exporters.thunderbird_prefs import default_profile, profile_identities
from ...core.settings import Account
from ..state import WizardState
from ..theme import colours, hint_label, wrap_label
from .export_chooser import ExportChooser
from .incoming_form import IncomingForm

# The how-to area keeps this many lines whatever the format, so picking one never moves the
# list or the buttons under the mouse (a longer text scrolls).
_HOW_TO_LINES = 5


class ExportsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state: WizardState | None = None
        self.result: ExportResult | None = None
        self.last_folder: Path | None = None
        self._thunderbird_profile: Path | None = None
        self.chooser = ExportChooser()
        self.chooser.chosen.connect(self._selected)
        self.how = wrap_label(rich=True)
        self.how.setAccessibleName("How to use this file")
        self.how.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.how.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.how_area = QScrollArea()
        self.how_area.setWidget(self.how)
        self.how_area.setWidgetResizable(True)
        self.how_area.setFrameShape(QFrame.Shape.NoFrame)
        self.how_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        line = QFontMetrics(self.how.font()).lineSpacing()
        self.how_area.setFixedHeight(line * _HOW_TO_LINES + 6)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setAccessibleName("Preview of the file")
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        # The settings card is shown as it will look, not as HTML source.
        self.rendered = QTextBrowser()
        self.rendered.setOpenLinks(False)
        self.rendered.setAccessibleName("Preview of the settings card")
        self.rendered.zoomOut(2)  # the card is laid out for paper; the preview is smaller
        self.previews = QStackedWidget()
        self.previews.addWidget(self.preview)
        self.previews.addWidget(self.rendered)
        self.previews.setMinimumHeight(160)
        self.incoming = IncomingForm()
        self.incoming.confirmed.connect(self._incoming_confirmed)
        self.incoming.hide()
        self.include_password = QCheckBox("Include my &password in the file")
        self.include_password.setAccessibleName("Include the password in the file")
        self.include_password.toggled.connect(self._password_toggled)
        # Only for Thunderbird's user.js, and only when the profile has this address: switching
        # an identity's server is asked for, never done by default.
        self.tb_identity = QCheckBox()
        self.tb_identity.toggled.connect(self._render)
        self.tb_identity.hide()
        self._tb_identity_key: str | None = None
        self.password_warning = wrap_label()
        self.password_warning.setStyleSheet(f"color: {colours()['fail']};")
        self.password_warning.hide()
        self.problem = wrap_label()
        self.problem.setStyleSheet(f"color: {colours()['fail']};")
        self.problem.hide()
        self.copy = QPushButton("Cop&y")
        self.copy.setToolTip("Copy the file's text to the clipboard")
        self.save = QPushButton("&Save…")
        self.save.setToolTip("Save the file on this computer")
        self.open_folder = QPushButton("&Open the folder")
        self.open_folder.setToolTip("Show the folder where the file was saved")
        self.open_folder.setEnabled(False)
        self.saved_note = hint_label()
        self.copy.clicked.connect(self._copy)
        self.save.clicked.connect(self._save)
        self.open_folder.clicked.connect(self._open_folder)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy)
        buttons.addWidget(self.save)
        buttons.addWidget(self.open_folder)
        buttons.addStretch(1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.how_area)
        right_layout.addWidget(self.incoming)
        right_layout.addWidget(self.previews, 1)
        right_layout.addWidget(self.include_password)
        # Its row is kept while hidden, so showing it for user.js moves nothing.
        policy = self.tb_identity.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.tb_identity.setSizePolicy(policy)
        right_layout.addWidget(self.tb_identity)
        right_layout.addWidget(self.password_warning)
        right_layout.addWidget(self.problem)
        right_layout.addLayout(buttons)
        right_layout.addWidget(self.saved_note)
        splitter = QSplitter()
        splitter.addWidget(self.chooser)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([300, 500])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.chooser.header)
        layout.addWidget(splitter, 1)
        self.setMinimumHeight(340)

    def set_account(self, state: WizardState) -> None:
        self.state = state
        self.incoming.set_defaults(state)
        # Read (never written): user.js then keeps the servers this person's profile has.
        self._thunderbird_profile = default_profile()
        identities = (
            profile_identities(self._thunderbird_profile) if self._thunderbird_profile else {}
        )
        keys = [k for k, email in identities.items() if email.lower() == state.email.lower()]
        self._tb_identity_key = keys[0] if len(keys) == 1 else None
        self.tb_identity.setText(f"Use it for {state.email} in &Thunderbird")
        self._render()

    def select(self, format_id: str) -> None:
        self.chooser.select(format_id)

    def current_format(self) -> ExportFormat | None:
        format_id = self.chooser.current_id()
        return next((f for f in FORMATS if f.id == format_id), None)

    def _selected(self, *_args: object) -> None:
        fmt = self.current_format()
        if fmt is None:
            self.result = None
            self.how.setText("")
            self.preview.setPlainText("")
            self.previews.setCurrentWidget(self.preview)
            self._enable_actions(False)
            return
        with _blocked(self.include_password):
            self.include_password.setChecked(False)
        self.include_password.setEnabled(fmt.can_carry_password)
        self.include_password.setToolTip(
            ""
            if fmt.can_carry_password
            else f"This file never holds a password. {fmt.sign_in_note}"
        )
        self.password_warning.hide()
        with _blocked(self.tb_identity):
            self.tb_identity.setChecked(False)
        self.tb_identity.setVisible(fmt.id == "thunderbird-userjs" and bool(self._tb_identity_key))
        self.saved_note.setText("")
        self.open_folder.setEnabled(False)
        self._render()

    def _render(self) -> None:
        fmt = self.current_format()
        state = self.state
        if fmt is None or state is None or state.settings is None:
            return
        self.how.setText(
            f"<b>{html.escape(fmt.title)}</b><br>{html.escape(fmt.how_to_use)}"
            f'<br><span style="color: {colours()["muted"]}">For: '
            f"{html.escape(fmt.for_version)}</span>"
        )
        self.problem.hide()
        needs_incoming = fmt.needs_incoming and state.incoming is None
        self.incoming.setVisible(needs_incoming)
        self.result = None
        if needs_incoming:
            self.preview.setPlainText("")
            self._enable_actions(False)
            return
        account = Account(email=state.email, display_name=state.name, incoming=state.incoming)
        include = self.include_password.isChecked()
        try:
            self.result = render_export(
                fmt.id,
                state.settings,
                account,
                include_password=include,
                password=state.password if include else None,
                checked_on=dt.date.today() if state.last_result and state.last_result.ok else None,
                thunderbird_profile=self._thunderbird_profile,
                thunderbird_identity=(
                    self._tb_identity_key if self.tb_identity.isChecked() else None
                ),
                oauth2=state.oauth is not None,  # signed in with OAuth2: exports say so
            )
        except ExportError as exc:
            self.problem.setText(exc.message)
            self.problem.show()
            self.preview.setPlainText("")
            self._enable_actions(False)
            return
        self.previews.setCurrentWidget(self.rendered if fmt.id == "card-html" else self.preview)
        if fmt.id == "card-html":
            self.rendered.setHtml(self.result.text)
        if fmt.binary:
            self.preview.setPlainText(
                f"{self.result.file_name}: a {len(self.result.data) // 1024 + 1} KB file to save "
                "and print. (No preview for this kind of file.)"
            )
        else:
            self.preview.setPlainText(self.result.text)
        self._enable_actions(True)
        self.copy.setEnabled(not fmt.binary)

    def _enable_actions(self, on: bool) -> None:
        self.copy.setEnabled(on)
        self.save.setEnabled(on)

    def _password_toggled(self, on: bool) -> None:
        self.password_warning.setText(
            "The file will contain your password in readable form. Anyone who gets the file "
            "can send mail as you. It is saved so that only your user account can read it."
        )
        self.password_warning.setVisible(on)
        self._render()

    def _incoming_confirmed(self) -> None:
        if self.state is not None:
            self.state.incoming = self.incoming.server
        self._render()

    def _copy(self) -> None:
        if self.result is not None and not self.result.format.binary:
            QGuiApplication.clipboard().setText(self.result.text)
            self.saved_note.setText("Copied to the clipboard.")

    def _save(self) -> None:
        if self.result is None:
            return
        folder = self.last_folder or self.default_save_folder()
        dialog = QFileDialog(self, "Save the file", str(folder / self.result.file_name))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(self.save_to)
        dialog.open()  # not exec(): the event loop keeps running the async work
        self._dialog = dialog

    @staticmethod
    def default_save_folder() -> Path:
        """Documents when it exists (Qt names it even when it does not), else the home folder."""
        documents = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        )
        if documents and Path(documents).is_dir():
            return Path(documents)
        return Path.home()

    def save_to(self, path: str) -> Path | None:
        if self.result is None or not path:
            return None
        try:
            written = write_export(self.result, path)
        except ExportError as exc:
            self.problem.setText(exc.message)
            self.problem.show()
            return None
        self.last_folder = written.parent
        self.saved_note.setText(f"Saved as {written}.")
        self.open_folder.setEnabled(True)
        return written

    def _open_folder(self) -> None:
        if self.last_folder is None:
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last_folder))):
            # No file manager (a server, a minimal desktop): say where the file is instead.
            self.saved_note.setText(
                f"This computer has no file manager to open. The file is in {self.last_folder}."
            )


@contextlib.contextmanager
def _blocked(widget: QWidget) -> Iterator[None]:
    widget.blockSignals(True)
    try:
        yield
    finally:
        widget.blockSignals(False)
