"""The check's steps: a one-line summary, and on request the full list (a mark, the step in
plain words, how long it took, a detail)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from ...core.servertext import clean
from ..theme import colours, plain_label

if TYPE_CHECKING:
    from ...core.check import StepResult

# Keyed by StepStatus's values (a StrEnum): the page is built before the check's code is loaded.
MARKS = {
    "pending": ("○", "muted", "waiting"),
    "running": ("◐", "warn", "in progress"),
    "ok": ("✓", "ok", "done"),
    "failed": ("✗", "fail", "failed"),
    "skipped": ("–", "muted", "not reached"),
}


class StepList(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Test steps")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Test steps in short")
        self.toggle = QToolButton()
        self.toggle.setText("Show each st&ep")
        self.toggle.setCheckable(True)
        self.toggle.setAccessibleName("Show each step")
        self.toggle.toggled.connect(self._toggled)
        self.body = QWidget()
        self.body.hide()
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.summary, 1)
        top.addWidget(self.toggle)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.body)
        self._steps: tuple[StepResult, ...] = ()
        self._grid = QGridLayout(self.body)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(10)
        self._grid.setVerticalSpacing(2)
        self._grid.setColumnStretch(1, 1)
        self._rows: list[tuple[QLabel, QLabel, QLabel, QLabel]] = []

    def _toggled(self, shown: bool) -> None:
        self.body.setVisible(shown)
        self.toggle.setText("Hide the st&eps" if shown else "Show each st&ep")

    def steps(self) -> tuple[StepResult, ...]:
        return self._steps

    def mark_stopped(self) -> None:
        """After Stop: what was under way is stopped, not failed."""
        from ...core.check import StepResult, StepStatus

        self.show_steps(
            [
                StepResult(s.name, StepStatus.SKIPPED, s.duration, "stopped")
                if s.status in (StepStatus.RUNNING, StepStatus.PENDING)
                else s
                for s in self._steps
            ]
        )

    def show_steps(self, steps: tuple[StepResult, ...] | list[StepResult]) -> None:
        from ...core.check import StepStatus

        self._steps = tuple(steps)
        self.summary.setText(summary_words(self._steps))
        self.toggle.setVisible(bool(steps))
        self._ensure_rows(len(steps))
        palette = colours()
        for row, step in enumerate(steps):
            mark, title, took, detail = self._rows[row]
            symbol, colour, words = MARKS[step.status]
            mark.setText(symbol)
            mark.setStyleSheet(f"color: {palette[colour]}; font-weight: bold;")
            title.setText(step.label)
            weight = "bold" if step.status is StepStatus.RUNNING else "normal"
            muted = step.status in (StepStatus.PENDING, StepStatus.SKIPPED)
            title.setStyleSheet(
                f"font-weight: {weight};" + (f" color: {palette['muted']};" if muted else "")
            )
            took.setText(f"{step.duration:.2f} s" if step.duration is not None else "")
            detail.setText(clean(step.detail) if step.status is not StepStatus.PENDING else "")
            detail.setVisible(bool(detail.text()))
            title.setAccessibleName(f"{step.label}: {words}")
        for row in range(len(steps), len(self._rows)):
            for widget in self._rows[row]:
                widget.hide()

    def _ensure_rows(self, count: int) -> None:
        while len(self._rows) < count:
            row = len(self._rows)
            mark, title, took, detail = plain_label(), plain_label(), plain_label(), plain_label()
            took.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            took.setStyleSheet(f"color: {colours()['muted']};")
            detail.setWordWrap(True)
            detail.setStyleSheet(f"color: {colours()['muted']}; font-size: 90%;")
            detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._grid.addWidget(mark, row * 2, 0, Qt.AlignmentFlag.AlignTop)
            self._grid.addWidget(title, row * 2, 1)
            self._grid.addWidget(took, row * 2, 2)
            self._grid.addWidget(detail, row * 2 + 1, 1, 1, 2)
            self._rows.append((mark, title, took, detail))
        for row in range(count):
            for widget in self._rows[row][:3]:
                widget.show()


def summary_words(steps: tuple[StepResult, ...]) -> str:
    """The steps in one line: how far the test got, and where it stopped."""
    from ...core.check import StepStatus

    if not steps:
        return ""
    total = len(steps)
    passed = sum(step.status is StepStatus.OK for step in steps)
    for step in steps:
        if step.status is StepStatus.FAILED:
            return f"✗ {step.label}: failed ({passed} of {total} steps passed)"
        if step.status is StepStatus.RUNNING:
            return f"◐ {step.label}… (step {passed + 1} of {total})"
    if passed == total:
        return f"✓ All {total} steps passed"
    if any(step.detail == "stopped" for step in steps):
        return f"– Stopped ({passed} of {total} steps passed)"
    if passed == 0:
        return f"○ {total} steps to go"
    return f"✓ {passed} of {total} steps passed"
