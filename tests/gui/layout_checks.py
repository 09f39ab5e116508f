"""Checks of what a page shows, shared by the GUI tests: mnemonics, overlaps, cut widgets."""

from __future__ import annotations

import re

from PySide6.QtCore import QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollBar,
    QSpinBox,
    QWidget,
    QWizard,
)

_MNEMONIC = re.compile(r"&([^&\s])")


def mnemonic_of(text: str) -> str | None:
    found = _MNEMONIC.search(text.replace("&&", ""))
    return found.group(1).lower() if found else None


def mnemonics(wizard: QWizard) -> dict[str, list[str]]:
    """Every Alt+letter shown at once: the current page's and the wizard's buttons'. (Walk
    the pages in their fullest states: a hidden button's letter does nothing.)"""
    page = wizard.currentPage()
    texts: list[str] = []
    for widget in page.findChildren(QWidget):
        if not widget.isVisibleTo(page):
            continue
        if isinstance(widget, QAbstractButton) or (
            isinstance(widget, QLabel) and widget.buddy() is not None
        ):
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
    for which in QWizard.WizardButton:
        if which in (QWizard.WizardButton.NoButton, QWizard.WizardButton.NButtons):
            continue
        button = wizard.button(which)
        if button is not None and button.isVisible():
            texts.append(button.text())
    letters: dict[str, list[str]] = {}
    for text in texts:
        letter = mnemonic_of(text)
        if letter:
            letters.setdefault(letter, []).append(text)
    return letters


def clashes(wizard: QWizard) -> dict[str, list[str]]:
    return {k: v for k, v in mnemonics(wizard).items() if len(v) > 1}


def _inside_compound(widget: QWidget, page: QWidget) -> bool:
    """Parts of one control (a spin box's editor, a scroll area's bars) are not checked apart."""
    parent = widget.parentWidget()
    while parent is not None and parent is not page:
        if isinstance(parent, QSpinBox | QComboBox | QAbstractButton | QLineEdit):
            return True
        if isinstance(parent, QAbstractScrollArea) and not hasattr(page, "scroll_area"):
            return True
        if isinstance(parent, QAbstractScrollArea) and parent is not page.scroll_area:
            return True
        parent = parent.parentWidget()
    return False


def leaves(page: QWidget) -> list[QWidget]:
    """The visible controls and texts of a page, each a rectangle people must see whole."""
    found = []
    for widget in page.findChildren(QWidget):
        if not widget.isVisibleTo(page) or isinstance(widget, QScrollBar):
            continue
        if _inside_compound(widget, page):
            continue
        if isinstance(widget, QLabel | QAbstractButton | QLineEdit | QSpinBox | QComboBox) or (
            isinstance(widget, QAbstractScrollArea)
            and widget is not getattr(page, "scroll_area", None)
        ):
            found.append(widget)
    return found


def _rect(widget: QWidget, page: QWidget) -> QRect:
    return QRect(widget.mapTo(page, widget.rect().topLeft()), widget.size())


def layout_problems(page: QWidget) -> list[str]:
    problems = []
    shown = [w for w in leaves(page) if w.width() > 0 and w.height() > 0]
    for widget in leaves(page):
        name = f"{type(widget).__name__} {_words(widget)!r}"
        if isinstance(widget, QLabel) and widget.wordWrap() and widget.text():
            need = widget.heightForWidth(widget.width())
            if widget.height() + 1 < need:
                problems.append(f"{name} is cut: {widget.height()} high, needs {need}")
        elif not isinstance(widget, QAbstractScrollArea):
            hint = widget.minimumSizeHint()
            if widget.width() + 1 < hint.width() or widget.height() + 1 < hint.height():
                problems.append(f"{name} is cut: {widget.size().toTuple()} < {hint.toTuple()}")
    for i, one in enumerate(shown):
        for other in shown[i + 1 :]:
            if one.isAncestorOf(other) or other.isAncestorOf(one):
                continue
            overlap = _rect(one, page).intersected(_rect(other, page))
            if overlap.width() > 1 and overlap.height() > 1:
                problems.append(
                    f"{type(one).__name__} {_words(one)!r} overlaps "
                    f"{type(other).__name__} {_words(other)!r}"
                )
    return problems


def _words(widget: QWidget) -> str:
    text = getattr(widget, "text", None)
    value = text() if callable(text) else widget.accessibleName()
    return str(value)[:40]
