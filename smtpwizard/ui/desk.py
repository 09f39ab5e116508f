"""The wizard with a support desk's preset: whose settings they are, its help texts, the locks.

The preset's texts were checked where it was read (core/desk/preset.py refuses control and
invisible characters) and are shown in plain-text labels only.
"""

from __future__ import annotations

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
