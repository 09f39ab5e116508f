""" "Save a report for your support desk": the check's report as one HTML page and its JSON twin."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPushButton, QWidget

from ..state import WizardState
from ..theme import hint_label


class SaveReportRow(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.button = QPushButton("Save a report for your support des&k…")
        self.button.setToolTip(
            "Save what the test found as a web page (and a .json file) you can send to whoever "
            "helps you. Your password is never in it."
        )
        self.button.setAccessibleName("Save a report for your support desk")
        self.saved = hint_label()
        self.saved.setAccessibleName("Where the report was saved")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.saved, 1)
        layout.addWidget(self.button)
        self.state: WizardState | None = None
        self.dialog: QFileDialog | None = None
        self.button.clicked.connect(self.choose_and_save)

    def show_for(self, state: WizardState) -> None:
        self.state = state
        self.saved.setText("")
        self.setVisible(state.last_result is not None)

    def default_path(self) -> Path:
        folder = Path.home() / "Documents"
        if not folder.is_dir():
            folder = Path.home()
        stamp = datetime.now(UTC).strftime("%Y-%m-%d-%H%M")
        return folder / f"smtpwizard-report-{stamp}.html"

    def choose_and_save(self) -> None:
        dialog = QFileDialog(self, "Save a report for your support desk")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("Web page (*.html)")
        dialog.setDefaultSuffix("html")
        # Qt's own dialog: the same on every desktop, and drivable in tests.
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setObjectName("saveReportDialog")
        dialog.selectFile(str(self.default_path()))
        # open(), not exec(): no nested event loop inside the asyncio (qasync) one.
        dialog.fileSelected.connect(lambda name: self.save(Path(name)))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()

    def save(self, target: Path) -> None:
        from ...core.desk import build_report, write_report

        state = self.state
        if state is None or state.last_result is None:
            return
        try:
            report = build_report(
                state.last_result,
                email=state.email or None,
                search=state.last_search,
                preset=state.preset.contact if state.preset else None,
                secrets=[state.password] if state.password else [],
            )
            html_path, json_path = write_report(report, target)
        except (OSError, ValueError) as exc:
            self.saved.setText(f"The report could not be saved: {exc}")
            return
        self.saved.setText(f"Saved {html_path.name} and {json_path.name} in {html_path.parent}.")
