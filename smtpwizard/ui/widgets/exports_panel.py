"""The exports on the Done page: grouped by who uses them, with preview, copy, save, open folder."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.exporters.base import Audience, ExportError, ExportFormat, ExportResult
from ...core.exporters.registry import FORMATS, render_export, write_export
from ...core.settings import Account
from ..state import WizardState
from ..theme import colours, hint_label, wrap_label
from .incoming_form import IncomingForm

GROUPS = (
    ("For email programs", (Audience.MAIL_PROGRAM,)),
    ("For websites", (Audience.WEBSITE,)),
    ("For developers", (Audience.FRAMEWORK, Audience.TOOL)),
    ("For support desks", (Audience.SUPPORT,)),
)


class ExportsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state: WizardState | None = None
        self.result: ExportResult | None = None
        self.last_folder: Path | None = None
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setAccessibleName("Export formats")
        self.tree.setMinimumWidth(270)
        self._items: dict[str, QTreeWidgetItem] = {}
        for group, audiences in GROUPS:
            parent_item = QTreeWidgetItem([group])
            parent_item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = parent_item.font(0)
            font.setBold(True)
            parent_item.setFont(0, font)
            self.tree.addTopLevelItem(parent_item)
            for fmt in FORMATS:
                if fmt.audience in audiences:
                    # Short in the list (the part before any parenthesis); whole above the preview.
                    item = QTreeWidgetItem([fmt.title.split(" (", 1)[0]])
                    item.setData(0, Qt.ItemDataRole.UserRole, fmt.id)
                    item.setToolTip(0, fmt.title)
                    parent_item.addChild(item)
                    self._items[fmt.id] = item
        self.tree.expandAll()
        self.tree.currentItemChanged.connect(self._selected)
        self.format_title = wrap_label()
        font = self.format_title.font()
        font.setBold(True)
        self.format_title.setFont(font)
        self.how = wrap_label()
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setAccessibleName("Preview of the file")
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.preview.setMinimumHeight(160)
        self.incoming = IncomingForm()
        self.incoming.confirmed.connect(self._incoming_confirmed)
        self.incoming.hide()
        self.include_password = QCheckBox("Include my &password in the file")
        self.include_password.setAccessibleName("Include the password in the file")
        self.include_password.toggled.connect(self._password_toggled)
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
        right_layout.addWidget(self.format_title)
        right_layout.addWidget(self.how)
        right_layout.addWidget(self.incoming)
        right_layout.addWidget(self.preview, 1)
        right_layout.addWidget(self.include_password)
        right_layout.addWidget(self.password_warning)
        right_layout.addWidget(self.problem)
        right_layout.addLayout(buttons)
        right_layout.addWidget(self.saved_note)
        splitter = QSplitter()
        splitter.addWidget(self.tree)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.setMinimumHeight(340)

    def set_account(self, state: WizardState) -> None:
        self.state = state
        self.incoming.set_defaults(state)
        if self.tree.currentItem() is None:
            self.tree.setCurrentItem(self._items[FORMATS[0].id])
        else:
            self._render()

    def select(self, format_id: str) -> None:
        self.tree.setCurrentItem(self._items[format_id])

    def current_format(self) -> ExportFormat | None:
        item = self.tree.currentItem()
        format_id = item.data(0, Qt.ItemDataRole.UserRole) if item else None
        return next((f for f in FORMATS if f.id == format_id), None)

    def _selected(self, *_args: object) -> None:
        fmt = self.current_format()
        if fmt is None:
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
        self.saved_note.setText("")
        self.open_folder.setEnabled(False)
        self._render()

    def _render(self) -> None:
        fmt = self.current_format()
        state = self.state
        if fmt is None or state is None or state.settings is None:
            return
        self.format_title.setText(fmt.title)
        self.how.setText(fmt.how_to_use)
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
            )
        except ExportError as exc:
            self.problem.setText(exc.message)
            self.problem.show()
            self.preview.setPlainText("")
            self._enable_actions(False)
            return
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
        folder = self.last_folder or Path(
            QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
            or Path.home()
        )
        dialog = QFileDialog(self, "Save the file", str(folder / self.result.file_name))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(self.save_to)
        dialog.open()  # not exec(): the event loop keeps running the async work
        self._dialog = dialog

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
        if self.last_folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last_folder)))


@contextlib.contextmanager
def _blocked(widget: QWidget) -> Iterator[None]:
    widget.blockSignals(True)
    try:
        yield
    finally:
        widget.blockSignals(False)
