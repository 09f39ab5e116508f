"""Colours and small styling helpers that work in light and dark mode."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QLabel


def is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    if hints.colorScheme() == Qt.ColorScheme.Dark:
        return True
    window = QGuiApplication.palette().color(QPalette.ColorRole.Window)
    return window.lightness() < 128


def colours() -> dict[str, str]:
    if is_dark():
        return {
            "ok": "#6fcf7f",
            "fail": "#ff8a80",
            "warn": "#ffd166",
            "muted": "#b0b0b0",
            "card": "#3a2a2a",
            "card_ok": "#243a28",
            "border": "#6b4b4b",
            "border_ok": "#3f6b47",
        }
    return {
        "ok": "#1e7b34",
        "fail": "#b3261e",
        "warn": "#8a5a00",
        "muted": "#5f6368",
        "card": "#fdecea",
        "card_ok": "#e6f4ea",
        "border": "#f1b0aa",
        "border_ok": "#a8d5b5",
    }


def apply_base_style(app: QApplication) -> None:
    # Fusion looks the same everywhere and follows the palette, including the dark one.
    app.setStyle("Fusion")
    if is_dark():
        app.setPalette(app.style().standardPalette())


def wrap_label(text: str = "", *, rich: bool = False, selectable: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    if rich:
        label.setOpenExternalLinks(True)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def hint_label(text: str = "") -> QLabel:
    label = wrap_label(text)
    label.setStyleSheet(f"color: {colours()['muted']};")
    return label


def error_label() -> QLabel:
    label = wrap_label("")
    label.setStyleSheet(f"color: {colours()['fail']};")
    label.setAccessibleName("Problem with this field")
    label.hide()
    return label
