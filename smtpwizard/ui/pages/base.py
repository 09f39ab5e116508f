"""What every page shares: access to the wizard's state and its runners."""

from __future__ import annotations

from typing import Protocol, cast

from PySide6.QtWidgets import QLayout, QScrollArea, QVBoxLayout, QWidget, QWizardPage

from ..state import WizardState


class WizardHost(Protocol):
    """What a page may ask of the wizard that holds it (pages never import the wizard itself,
    so the wizard can import every page and the layers stay one-way)."""

    state: WizardState

    def next(self) -> None: ...


class WizardPageBase(QWizardPage):
    def wiz(self) -> WizardHost:
        return cast(WizardHost, self.wizard())

    @property
    def state(self) -> WizardState:
        return self.wiz().state

    def scrolling(self, *items: QWidget | QLayout) -> None:
        """Lay out items top to bottom in a frameless scroll area filling the page, so long
        content (step lists, exports) stays reachable at 200% scaling in a small window."""
        content = QWidget()
        inner = QVBoxLayout(content)
        for item in items:
            if isinstance(item, QLayout):
                inner.addLayout(item)
            else:
                inner.addWidget(item)
        inner.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
