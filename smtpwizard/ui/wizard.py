"""The wizard window: page order and branching, geometry, and stopping work when it closes."""

from __future__ import annotations

import base64
import contextlib

from PySide6.QtCore import QByteArray, QSize
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QWidget, QWizard, QWizardPage

from ..core.app_state import load_app_state, save_app_state
from .page_ids import PageId
from .pages.email_page import EmailPage
from .state import WizardState
from .tasks import TaskRunner


class SetupWizard(QWizard):
    def __init__(
        self,
        state: WizardState | None = None,
        parent: QWidget | None = None,
        *,
        later_pages_after_show: bool = False,
    ) -> None:
        """later_pages_after_show: build only the first page now and the others once the window
        is on screen (add_later_pages): people see the window sooner."""
        super().__init__(parent)
        self.state = state or WizardState()
        self.setWindowTitle("smtpwizard: set up sending email")
        self.setObjectName("smtpwizard")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.NextButton, "&Next >")
        self.setButtonText(QWizard.WizardButton.BackButton, "< &Back")
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Finish")
        self.setButtonText(QWizard.WizardButton.CancelButton, "Cancel")
        self.pages: dict[PageId, QWizardPage] = {PageId.EMAIL: EmailPage()}
        self.setPage(int(PageId.EMAIL), self.pages[PageId.EMAIL])
        self.setStartId(int(PageId.EMAIL))
        self.setMinimumSize(QSize(640, 520))
        self._restore_geometry()
        if not later_pages_after_show:
            self.add_later_pages()

    def add_later_pages(self) -> None:
        if PageId.DONE in self.pages:
            return
        from .pages.done_page import DonePage
        from .pages.finding_page import FindingPage
        from .pages.server_page import ServerPage
        from .pages.signin_page import SignInPage
        from .pages.test_page import TestPage

        later: dict[PageId, QWizardPage] = {
            PageId.FINDING: FindingPage(),
            PageId.SERVER: ServerPage(),
            PageId.SIGN_IN: SignInPage(),
            PageId.TEST: TestPage(),
            PageId.DONE: DonePage(),
        }
        for page_id, page in later.items():
            self.pages[page_id] = page
            self.setPage(int(page_id), page)

    def page_of(self, page_id: PageId) -> QWidget:
        return self.pages[page_id]

    def runners(self) -> list[TaskRunner]:
        return [r for page in self.pages.values() for r in page.findChildren(TaskRunner)]

    def stop_everything(self) -> None:
        for runner in self.runners():
            runner.cancel()

    def done(self, result: int) -> None:  # Finish, Cancel and Escape all end here
        self.stop_everything()
        self._save_geometry()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop_everything()
        self._save_geometry()
        super().closeEvent(event)

    def _restore_geometry(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            geometry = load_app_state().get("window_geometry")
            if isinstance(geometry, str):
                self.restoreGeometry(QByteArray(base64.b64decode(geometry)))
                return
        self.resize(760, 600)

    def _save_geometry(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            data = load_app_state()
            data["window_geometry"] = base64.b64encode(bytes(self.saveGeometry().data())).decode()
            save_app_state(data)
