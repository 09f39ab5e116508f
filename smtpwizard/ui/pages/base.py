"""What every page shares: access to the wizard's state and its runners."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from PySide6.QtWidgets import QWizardPage

from ..state import WizardState

if TYPE_CHECKING:
    from ..wizard import SetupWizard


class WizardPageBase(QWizardPage):
    def wiz(self) -> SetupWizard:
        from ..wizard import SetupWizard

        return cast(SetupWizard, self.wizard())

    @property
    def state(self) -> WizardState:
        return self.wiz().state
