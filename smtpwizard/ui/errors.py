"""Exceptions that escape a slot or task are shown in a dialog instead of being lost."""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

log = logging.getLogger("smtpwizard")


def install_excepthook() -> None:
    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        details = "".join(traceback.format_exception(kind, value, tb))
        log.error("unexpected error: %s", details)
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication, QMessageBox

        if QApplication.instance() is None:
            sys.__excepthook__(kind, value, tb)
            return
        box = QMessageBox()
        box.setIcon(QMessageBox.Icon.Critical)
        box.setTextFormat(Qt.TextFormat.PlainText)  # the exception text may quote a server
        box.setWindowTitle("Something went wrong")
        box.setText(
            "smtpwizard ran into a problem it did not expect. Your settings and saved passwords "
            "are not affected. You can carry on, or close and start again."
        )
        box.setInformativeText(f"{kind.__name__}: {value}")
        box.setDetailedText(details)
        box.open()  # never exec(): it would nest the event loop inside a running coroutine
        hook.box = box  # type: ignore[attr-defined]  # keep it alive while shown

    sys.excepthook = hook
