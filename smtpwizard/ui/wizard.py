"""The wizard window: page order and branching, geometry, and stopping work when it closes."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QRect, QSize, QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication, QShowEvent
from PySide6.QtWidgets import QWidget, QWizard, QWizardPage

from ..core.app_state import load_app_state, save_app_state
from . import warmup
from .page_ids import PageId
from .pages.email_page import EmailPage
from .state import WizardState
from .tasks import TaskRunner

DEFAULT_SIZE = QSize(760, 600)  # what a new window opens at (and the README shows)
MINIMUM = QSize(640, 520)  # smaller only when the screen is


LATER_PAGES = (PageId.FINDING, PageId.SERVER, PageId.SIGN_IN, PageId.TEST, PageId.DONE)


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
        # Qt adds " — smtpwizard" (the application's display name) itself.
        self.setWindowTitle(
            "Set up sending email (demo)" if self.state.demo else "Set up sending email"
        )
        self.setObjectName("smtpwizard")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.NextButton, "&Next >")
        self.setButtonText(QWizard.WizardButton.BackButton, "< &Back")
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Finish")
        self.setButtonText(QWizard.WizardButton.CancelButton, "Cancel")
        # Manual settings, one click away on every page before they are shown.
        self.setOption(QWizard.WizardOption.HaveCustomButton1, True)
        self.setButtonText(QWizard.WizardButton.CustomButton1, "Enter settings &myself")
        manual = self.button(QWizard.WizardButton.CustomButton1)
        manual.setToolTip("Type the server name, port and encryption from your provider yourself")
        self.customButtonClicked.connect(self._custom_button)
        self.currentIdChanged.connect(self._page_changed)
        first = EmailPage()
        self.pages: dict[PageId, QWizardPage] = {PageId.EMAIL: first}
        self.setPage(int(PageId.EMAIL), first)
        self.setStartId(int(PageId.EMAIL))
        self.setMinimumSize(MINIMUM)
        self._restore_geometry()
        self._typed = False
        self._painted = not later_pages_after_show
        if not later_pages_after_show:
            self.add_later_pages()
            return
        after_first_paint(self, self._first_paint_done)
        # The engine loads on a thread once the first page holds something (a key typed, an
        # address filled in: ui/warmup.py), so that Next finds it ready without the window
        # having carried it from the start.
        first.email.textChanged.connect(self._typing_started)
        first.name.textEdited.connect(self._typing_started)
        first.password.edit.textEdited.connect(self._typing_started)

    def _first_paint_done(self) -> None:
        self._painted = True

    def _typing_started(self) -> None:
        self._typed = True
        if all(page_id in self.pages for page_id in LATER_PAGES):
            warmup.start()

    def add_later_pages(self) -> None:
        """Build every page not built yet, now."""
        while self._add_next_page():
            pass

    def add_later_pages_soon(self) -> None:
        """Once the window has painted, build the other pages one per pass of the event loop:
        a key or click in between waits for one page at most (each takes a few milliseconds,
        and none loads the engine: its work imports that when it starts). Next, or anything
        that asks for a page, builds the rest at once (validateCurrentPage, page_of)."""
        after_first_paint(self, self._add_pages_in_slices)

    def _add_pages_in_slices(self) -> None:
        if self._add_next_page():
            _soon(self, self._add_pages_in_slices)
        elif self._typed:
            warmup.start()  # not while pages are built: their imports and its never overlap

    def _add_next_page(self) -> bool:
        """Build the next page not built yet (importing only its own module); False once all are."""
        for page_id in LATER_PAGES:
            if page_id not in self.pages:
                page = _make_page(page_id)
                self.pages[page_id] = page
                self.setPage(int(page_id), page)
                if page_id == PageId.TEST:
                    from .desk import attach_to_test_page

                    attach_to_test_page(page)
                return True
        return False

    def validateCurrentPage(self) -> bool:  # Next, Return and Finish ask this first
        self.add_later_pages()
        warmup.settle()  # the pages import the engine themselves now: never both at once
        return super().validateCurrentPage()

    def _page_changed(self, page_id: int) -> None:
        manual = self.button(QWizard.WizardButton.CustomButton1)
        manual.setVisible(page_id != PageId.SERVER)  # that page is the manual settings
        if page_id == PageId.EMAIL:
            self.state.manual = False  # Next here is the short way again
        page = self.currentPage()
        put_focus = getattr(page, "put_focus", None)
        if not callable(put_focus):
            return
        if self._painted:
            QTimer.singleShot(0, page, put_focus)  # not once the page is gone
        else:
            after_first_paint(self, put_focus)  # the first paint need not wait for it

    def _custom_button(self, which: int) -> None:
        if which == QWizard.WizardButton.CustomButton1.value:
            self.enter_settings_myself()

    def enter_settings_myself(self) -> None:
        """Go to the Server page: back through the history to it, or to the page before it
        and forward from there (what was found so far fills it in)."""
        self.state.manual = True
        self.state.express = False
        while self.currentId() not in (PageId.EMAIL, PageId.FINDING, PageId.SERVER):
            self.back()
        if self.currentId() != PageId.SERVER:
            self.next()

    def page_of(self, page_id: PageId) -> QWidget:
        if page_id not in self.pages:
            self.add_later_pages()
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

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.fit_to_screen()

    def fit_to_screen(self) -> None:
        """Keep the whole window, its buttons included, on the screen it opens on: at 200%
        a 1280x900 screen offers only 640x450 (minus panels) of room."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        room = screen.availableGeometry()
        frame = self.frameGeometry()
        extra = QSize(frame.width() - self.width(), frame.height() - self.height())
        fits = QSize(room.width() - extra.width(), room.height() - extra.height())
        self.setMinimumSize(MINIMUM.boundedTo(fits))
        size = self.size().boundedTo(fits)
        if size != self.size():
            self.resize(size)
        wanted = QRect(frame.topLeft(), size + extra)
        x = min(max(wanted.left(), room.left()), room.right() + 1 - wanted.width())
        y = min(max(wanted.top(), room.top()), room.bottom() + 1 - wanted.height())
        if (x, y) != (frame.left(), frame.top()):
            self.move(x, y)

    def _restore_geometry(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            geometry = load_app_state().get("window_geometry")
            if isinstance(geometry, str):
                from PySide6.QtCore import QByteArray

                self.restoreGeometry(QByteArray(base64.b64decode(geometry)))
                return
        self.resize(DEFAULT_SIZE)

    def _save_geometry(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            data = load_app_state()
            data["window_geometry"] = base64.b64encode(bytes(self.saveGeometry().data())).decode()
            save_app_state(data)


def _make_page(page_id: PageId) -> QWizardPage:
    if page_id == PageId.FINDING:
        from .pages.finding_page import FindingPage

        return FindingPage()
    if page_id == PageId.SERVER:
        from .pages.server_page import ServerPage

        return ServerPage()
    if page_id == PageId.SIGN_IN:
        from .pages.signin_page import SignInPage

        return SignInPage()
    if page_id == PageId.TEST:
        from .pages.test_page import TestPage

        return TestPage()
    from .pages.done_page import DonePage

    return DonePage()


def after_first_paint(widget: QWidget, then: Callable[[], None]) -> None:
    """Call `then` once, soon after the widget's first paint (see _soon)."""
    _AfterFirstPaint(widget, then)


def _soon(context: QObject, then: Callable[[], None]) -> None:
    """Call `then` on a later pass of the event loop, after the keys and clicks already waiting:
    a 1 ms timer is a real timer, which Qt handles after posted and window-system events (a 0 ms
    single shot is itself a posted event, queued before input that arrives after it). Dropped
    when `context` is deleted."""
    QTimer.singleShot(1, context, then)


class _AfterFirstPaint(QObject):
    """Calls `then` once, on the next pass of the event loop after the widget's first paint."""

    def __init__(self, widget: QWidget, then: Callable[[], None]) -> None:
        super().__init__(widget)
        self.then = then
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            _soon(self, self._fire)
        return False

    def _fire(self) -> None:
        self.then()
        self.deleteLater()
