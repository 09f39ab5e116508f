"""What every page shares: access to the wizard's state, a scrolling body, the demo banner,
and putting the cursor where the person has to type next."""

from __future__ import annotations

from typing import Protocol, cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QFrame,
    QLabel,
    QLayout,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from ..state import WizardState


class WizardHost(Protocol):
    """What a page may ask of the wizard that holds it (pages never import the wizard itself,
    so the wizard can import every page and the layers stay one-way)."""

    state: WizardState

    def next(self) -> None: ...


DEMO_WORDS = (
    "Demo: a mail server on this computer stands in for your provider. Nothing leaves this "
    "computer and no message is delivered."
)


class WizardPageBase(QWizardPage):
    def wiz(self) -> WizardHost:
        return cast(WizardHost, self.wizard())

    @property
    def state(self) -> WizardState:
        return self.wiz().state

    def scrolling(self, *items: QWidget | QLayout) -> None:
        """Lay out items top to bottom in a frameless scroll area filling the page, so every
        control stays reachable at 200% scaling or in a window clamped to a small screen."""
        self.content = QWidget()
        inner = QVBoxLayout(self.content)
        self.demo_banner = QLabel(DEMO_WORDS)
        self.demo_banner.setObjectName("demoBanner")
        self.demo_banner.setWordWrap(True)
        self.demo_banner.setTextFormat(Qt.TextFormat.PlainText)
        self.demo_banner.setStyleSheet(
            "#demoBanner { background: palette(alternate-base); border: 1px solid palette(mid);"
            " border-radius: 4px; padding: 4px 8px; }"
        )
        self.demo_banner.hide()
        inner.addWidget(self.demo_banner)
        for item in items:
            if isinstance(item, QLayout):
                inner.addLayout(item)
            else:
                inner.addWidget(item)
        inner.addStretch(1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(self.content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll_area)

    def showEvent(self, event: QShowEvent) -> None:
        banner = getattr(self, "demo_banner", None)
        if banner is not None and self.wizard() is not None:
            banner.setVisible(self.state.demo)
        super().showEvent(event)

    def first_empty_field(self) -> QWidget | None:
        """The first visible, enabled, empty text field in tab order, if any."""
        fields = [
            f
            for f in self.findChildren(QLineEdit)
            if f.isVisibleTo(self)
            and f.isEnabled()
            and not f.isReadOnly()
            and not f.text()
            and f.focusPolicy() != Qt.FocusPolicy.NoFocus
            and not isinstance(f.parentWidget(), QAbstractButton)
            and type(f.parentWidget()).__name__ not in ("QSpinBox", "QComboBox")
        ]
        if not fields:
            return None
        # From the scrolling body, not the page: the scroll area's own parts lie between the
        # two in the chain and hold no field, and giving Python the viewport the first time
        # costs PySide some 20 ms (before the first paint, on the first page).
        content = getattr(self, "content", None)
        start = content if isinstance(content, QWidget) else self.nextInFocusChain()
        widget: QWidget | None = start
        for _ in range(2000):  # the focus chain is a ring: walk it once
            if widget is None:
                break
            if widget in fields:
                return widget
            widget = widget.nextInFocusChain()
            if widget is start:
                break
        return fields[0]

    def put_focus(self) -> None:
        """The cursor in the first empty field; with none, on the button Return presses."""
        field = self.first_empty_field()
        if field is not None:
            field.setFocus(Qt.FocusReason.OtherFocusReason)
            self.scroll_to(field)
            return
        wizard = self.wizard()
        if wizard is not None:
            for which in (QWizard.WizardButton.NextButton, QWizard.WizardButton.FinishButton):
                button = wizard.button(which)
                if button.isVisible() and button.isEnabled():
                    button.setFocus(Qt.FocusReason.OtherFocusReason)
                    return

    def scroll_to(self, widget: QWidget) -> None:
        scroll = getattr(self, "scroll_area", None)
        if isinstance(scroll, QScrollArea) and self.content.isAncestorOf(widget):
            scroll.ensureWidgetVisible(widget)
