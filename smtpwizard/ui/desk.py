"""The wizard with a support desk's preset: whose settings they are, its help texts, the locks.

The preset's texts were checked where it was read (core/desk/preset.py refuses control and
invisible characters) and are shown in plain-text labels only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QWidget

from .state import WizardState
from .theme import hint_label

FIXED_TIP = "Fixed by your support desk's preset"


def desk_label() -> QLabel:
    """Where a page says whose settings these are and shows the desk's help (hidden without)."""
    label = hint_label()
    label.setAccessibleName("Help from your support desk")
    label.hide()
    return label


def desk_words(state: WizardState, page: str) -> str:
    preset = state.preset
    if preset is None:
        return ""
    who = preset.origin
    if preset.organisation != who:
        who = f"{who} ({preset.organisation})"
    text = f"Settings from {who}."
    help_text = preset.help.get(page, "")
    return f"{text}\n{help_text}" if help_text else text


def show_desk_words(label: QLabel, state: WizardState, page: str) -> None:
    text = desk_words(state, page)
    label.setText(text)
    label.setVisible(bool(text))


def lock(widget: QWidget, state: WizardState, field: str) -> bool:
    """Disable a field the preset fixes; True when it is fixed."""
    fixed = state.preset is not None and not state.preset.may_change(field)
    widget.setEnabled(not fixed)
    widget.setToolTip(FIXED_TIP if fixed else widget.toolTip().replace(FIXED_TIP, ""))
    return fixed


class _TestPageDesk(QObject):
    """The desk's words above the Test page's verdict and "Save a report" under it.

    Added from outside (the wizard attaches it) so the page itself stays about testing. The row
    shows once a test has a result, and hides while one runs.
    """

    def __init__(self, page: Any) -> None:
        super().__init__(page)
        from .widgets.report_button import SaveReportRow

        self.page = page
        self.desk, self.report = desk_label(), SaveReportRow()
        self.report.hide()
        layout = page.scroll_area.widget().layout()
        layout.insertWidget(0, self.desk)
        layout.insertWidget(3, self.report)  # after the verdict card and its row of buttons
        page.runner.running_changed.connect(self.update)
        page.completeChanged.connect(self.update)

    def update(self, *_: object) -> None:
        if self.page.wizard() is None:
            return
        state = self.page.state
        show_desk_words(self.desk, state, "test")
        if self.page.runner.running or state.last_result is None:
            self.report.hide()
        else:
            self.report.show_for(state)


def attach_to_test_page(page: Any) -> None:
    page.desk_parts = _TestPageDesk(page)
