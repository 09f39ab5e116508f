"""Opens the wizard on a screen of a given size and scale and prints where everything is.

Run by test_screen_fit.py as `python screen_fit_driver.py [--saved-big]`, with QT_SCALE_FACTOR
and an offscreen screen of 1280x900 set in the environment. --saved-big first saves the
geometry of a 1520x1200 window (what a 200% window used to open at) for the next start.
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget, QWizard

from smtpwizard.ui.app import make_app
from smtpwizard.ui.state import WizardState
from smtpwizard.ui.wizard import SetupWizard


def rect(r: QRect) -> list[int]:
    return [r.x(), r.y(), r.width(), r.height()]


def global_rect(widget: QWidget) -> list[int]:
    return rect(QRect(widget.mapToGlobal(widget.rect().topLeft()), widget.size()))


def main() -> int:
    app = make_app()
    if "--saved-big" in sys.argv:
        old = SetupWizard(WizardState())
        old.setMinimumSize(0, 0)
        old.setGeometry(0, 0, 1520, 1200)
        old._save_geometry()
        old.deleteLater()
    wizard = SetupWizard(WizardState())
    wizard.show()
    for _ in range(5):
        app.processEvents()
    buttons = {}
    for which in QWizard.WizardButton:
        button = wizard.button(which) if which.value < QWizard.WizardButton.NButtons.value else None
        if isinstance(button, QAbstractButton) and button.isVisible():
            buttons[button.text()] = global_rect(button)
    outside = {}
    for page_id, page in wizard.pages.items():
        scroll = getattr(page, "scroll_area", None)
        lost = [
            f"{type(w).__name__} {getattr(w, 'text', lambda: '')()}"
            for w in page.findChildren(QWidget)
            if w.focusPolicy().value
            and w.window() is wizard  # not a combo box's pop-up list, its own window
            and (scroll is None or not scroll.isAncestorOf(w))
        ]
        outside[page_id.name] = lost
    print(
        json.dumps(
            {
                "available": rect(wizard.screen().availableGeometry()),
                "frame": rect(wizard.frameGeometry()),
                "minimum": [wizard.minimumWidth(), wizard.minimumHeight()],
                "buttons": buttons,
                "outside_scrolling": outside,
            }
        )
    )
    wizard.deleteLater()
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
