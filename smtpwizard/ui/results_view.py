"""A results file of `smtpwizard batch` as a table of the failures, with what to do about each.

Double-clicking a row (or Return on it) opens that account in the wizard, with the server the
batch used filled in, so a desk can go through one failure with the customer.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.desk.batch_results import BatchResults, ResultRow
from .theme import hint_label, wrap_label

COLUMNS = ("Account", "Server", "Problem", "What to do")


class _Table(QTableWidget):
    activated_row = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentRow() >= 0:
            self.activated_row.emit(self.currentRow())
            return
        super().keyPressEvent(event)


class ResultsView(QDialog):
    open_account = Signal(object)  # a ResultRow

    def __init__(self, results: BatchResults, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"smtpwizard: results of {results.path.name}")
        self.setObjectName("batchResults")
        self.results = results
        self.failures = results.failures
        total, failed = len(results.rows), len(self.failures)
        self.heading = QLabel(
            f"{failed} of {total} accounts did not pass."
            if failed
            else f"All {total} accounts passed."
        )
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setAccessibleName("Summary")
        self.table = _Table(failed, len(COLUMNS))
        self.table.setObjectName("failures")
        self.table.setAccessibleName("Accounts that did not pass")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        for n, row in enumerate(self.failures):
            for column, text in enumerate(_cells(row)):
                item = QTableWidgetItem(text)
                if column == 2:
                    item.setToolTip(f"Code: {row.code}")
                self.table.setItem(n, column, item)
        self.table.resizeRowsToContents()
        # Rows fit their wrapped text again whenever a stretching column changes width.
        header.sectionResized.connect(lambda *_: self.table.resizeRowsToContents())
        self.table.cellDoubleClicked.connect(lambda r, _c: self._open(r))
        self.table.activated_row.connect(self._open)
        self.explain = wrap_label()
        self.explain.setAccessibleName("About the selected account")
        self.table.currentCellChanged.connect(lambda r, *_: self._explain(r))
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.explain)
        layout.addWidget(
            hint_label(
                "Double-click an account (or press Return) to open it in "
                "the wizard and test it with the customer."
            )
        )
        self.resize(900, 480)
        if self.failures:
            self.table.setCurrentCell(0, 0)

    def _explain(self, index: int) -> None:
        if 0 <= index < len(self.failures):
            row = self.failures[index]
            self.explain.setText(f"{row.email}: {row.title} ({row.code}). What to do: {row.fix}")

    def _open(self, index: int) -> None:
        if 0 <= index < len(self.failures):
            self.open_account.emit(self.failures[index])


def _cells(row: ResultRow) -> tuple[str, str, str, str]:
    server = f"{row.host} port {row.port}" if row.host and row.port else (row.host or "—")
    return (row.email, server, row.title, row.fix)
