"""Colours and small styling helpers that work in light and dark mode."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QLabel


def is_dark() -> bool:
    forced = os.environ.get("SMTPWIZARD_COLOR_SCHEME", "").lower()
    if forced in ("dark", "light"):
        return forced == "dark"
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
    # Fusion looks the same everywhere and follows the palette, including our dark one. Most
    # platforms start with it already; making it again costs 10-15 ms before the first paint.
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    _apply_palette(app)
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: _apply_palette(app))


def _apply_palette(app: QApplication) -> None:
    app.setPalette(dark_palette() if is_dark() else app.style().standardPalette())


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, "#2b2d30"),
        (roles.WindowText, "#e6e6e6"),
        (roles.Base, "#1e1f22"),
        (roles.AlternateBase, "#2b2d30"),
        (roles.ToolTipBase, "#3c3f41"),
        (roles.ToolTipText, "#e6e6e6"),
        (roles.PlaceholderText, "#9a9a9a"),
        (roles.Text, "#e6e6e6"),
        (roles.Button, "#3c3f41"),
        (roles.ButtonText, "#e6e6e6"),
        (roles.BrightText, "#ffffff"),
        (roles.Link, "#8ab4f8"),
        (roles.Highlight, "#3d6fb4"),
        (roles.HighlightedText, "#ffffff"),
        (roles.Light, "#4a4d50"),
        (roles.Midlight, "#3f4245"),
        (roles.Mid, "#303234"),
        (roles.Dark, "#1b1c1e"),
        (roles.Shadow, "#000000"),
    ):
        palette.setColor(role, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        palette.setColor(disabled, role, QColor("#7a7a7a"))
    return palette


def wrap_label(text: str = "", *, rich: bool = False, selectable: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    if rich:
        label.setOpenExternalLinks(True)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def plain_label(text: str = "") -> QLabel:
    """A label that never interprets markup: a server's "<h1>" is shown as typed.

    QLabel's default, Qt.AutoText, renders anything that looks like a tag as rich text.
    """
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def plain_tooltip(text: str) -> str:
    """Tooltip text shown literally: Qt guesses rich text for tooltips too, so escape it."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<p style='white-space:pre-wrap'>{escaped}</p>"


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
