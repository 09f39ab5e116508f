"""Closes the real wizard (run_gui, its own qasync loop) at a chosen moment of the demo.

Run as a program by test_closing.py: `python close_driver.py MOMENT N`, MOMENT one of search,
test, save; N = how many progress events to let through first. The process must then exit by
itself, with code 0: nothing left waiting, nothing crashing on the way out.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWizard

from smtpwizard.ui.app import make_app, run_gui
from smtpwizard.ui.page_ids import PageId


def main() -> int:
    moment, after = sys.argv[1], int(sys.argv[2])
    app = make_app()
    seen = {"events": 0, "armed": False}

    def wizard() -> QWizard | None:
        for widget in app.topLevelWidgets():
            if isinstance(widget, QWizard) and widget.isVisible():
                return widget
        return None

    def close_soon(wiz: QWizard) -> None:
        seen["events"] += 1
        if seen["events"] == after + 1:
            print(f"closing during the {moment}", file=sys.stderr, flush=True)
            wiz.close()

    def arm(wiz: QWizard) -> None:
        if seen["armed"] or PageId.DONE not in wiz.pages:  # type: ignore[attr-defined]
            return
        pages = wiz.pages  # type: ignore[attr-defined]
        if moment == "search":
            runner = pages[PageId.FINDING].runner
            runner.progress.connect(lambda _e: close_soon(wiz))
        elif moment == "test":
            pages[PageId.TEST].runner.progress.connect(lambda _e: close_soon(wiz))
        else:
            pages[PageId.TEST].saver.running_changed.connect(
                lambda on: on and (seen.update(events=after), close_soon(wiz))
            )
        seen["armed"] = True

    def step() -> None:
        wiz = wizard()
        if wiz is None:
            return
        arm(wiz)
        if not seen["armed"]:
            return
        page = wiz.currentPage()
        keychain = getattr(page, "keychain", None)
        if keychain is not None and keychain.running:
            return  # as a person would: the remember box is ready before Next
        if wiz.currentId() == PageId.DONE:
            print("reached the last page without closing", file=sys.stderr, flush=True)
            wiz.close()
            return
        confirm = getattr(page, "confirm", None)
        if confirm is not None and confirm.isVisible() and not confirm.isChecked():
            confirm.setChecked(True)
        next_button = wiz.button(QWizard.WizardButton.NextButton)
        if next_button.isVisible() and next_button.isEnabled():
            wiz.next()

    poll = QTimer()
    poll.setInterval(50)
    poll.timeout.connect(step)
    poll.start()
    code = run_gui(demo=True)
    poll.stop()
    QApplication.processEvents()
    return code


if __name__ == "__main__":
    sys.exit(main())
