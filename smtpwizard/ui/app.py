"""Starting the wizard: the Qt application and its qasync event loop, created once, here."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QEventLoop, QObject
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from .errors import install_excepthook
from .state import WizardState
from .theme import apply_base_style

if TYPE_CHECKING:
    import asyncio

    from ..core.desk.batch_results import BatchResults
    from ..core.desk.preset import Preset

log = logging.getLogger(__name__)


def make_app() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setApplicationName("smtpwizard")
    app.setApplicationDisplayName("smtpwizard")
    app.setOrganizationName("smtpwizard")
    app.setDesktopFileName("smtpwizard")
    app.setWindowIcon(app_icon())
    apply_base_style(app)
    return app


def app_icon() -> QIcon:
    from importlib.resources import files

    return QIcon(str(files("smtpwizard.resources").joinpath("smtpwizard.svg")))


@contextlib.contextmanager
def demo_environment(state: WizardState) -> Iterator[Any]:
    """Start the demo server and its autoconfig, and point the wizard's state at them."""
    from ..core.discovery import DiscoveryOptions, SourceKind
    from ..core.settings import Security
    from ..lab.demo import start_demo
    from ..lab.demo_autoconfig import DemoAutoconfig

    demo = start_demo()  # ports 2587/2465, or free ones when those are taken
    web = None
    try:
        web = DemoAutoconfig(demo.server_name, demo.starttls_port, Path(demo.ca_file))
        state.email = demo.username
        state.name = "Demo User"
        state.password = demo.password
        state.ca_file = str(demo.ca_file)
        state.demo = True
        # "Try other ports" on the demo tries the demo's own two.
        state.alternative_ports = (
            (demo.starttls_port, Security.STARTTLS),
            (demo.tls_port, Security.TLS),
        )
        # Only the web sources, pointed at the demo's own HTTPS server: the demo domain has no
        # DNS, and the demo must never send a query to whatever resolver this machine uses.
        web_sources = frozenset(
            {SourceKind.PROVIDER_TABLE, SourceKind.AUTOCONFIG, SourceKind.ISPDB}
        )
        state.discovery_options = DiscoveryOptions(
            timeout=6.0, sources=web_sources, **web.discovery_overrides()
        )
        yield demo
    finally:
        if web is not None:
            web.close()
        demo.close()


def run_gui(
    demo: bool = False,
    screenshots: Path | None = None,
    on_first_paint: Callable[[], None] | None = None,
    preset: Preset | None = None,
    results: BatchResults | None = None,
) -> int:
    """Open the wizard. The first page is painted before the event loop (qasync, asyncio) is
    even imported: people see the window as early as possible."""
    if screenshots is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from .wizard import SetupWizard

    app = make_app()
    install_excepthook()
    state = WizardState(preset=preset)
    with contextlib.ExitStack() as stack:
        if demo:
            stack.enter_context(demo_environment(state))
        wizard = SetupWizard(state, later_pages_after_show=screenshots is None)
        if screenshots is None:
            watch = _PaintWatch(wizard) if on_first_paint is not None else None
            wizard.show()
            app.processEvents()
            if watch is not None and on_first_paint is not None:
                while not watch.seen:  # bench/startup.py: only a real paint counts
                    app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
                on_first_paint()
            wizard.add_later_pages()
        if results is not None:
            from .results_window import show_results

            stack.callback(show_results(wizard, results).close)
        import asyncio

        async def main() -> int:
            loop = asyncio.get_running_loop()
            loop.set_exception_handler(_route_to_excepthook)
            if screenshots is not None:
                from .screenshots import walk_and_capture

                return await walk_and_capture(wizard, screenshots)
            finished: asyncio.Future[int] = loop.create_future()

            def on_finished(code: int) -> None:
                if not finished.done():
                    finished.set_result(int(code))

            wizard.finished.connect(on_finished)
            if not wizard.isVisible():
                wizard.show()
            code = await finished
            return 0 if code in (0, 1) else 1

        try:
            return run_on_qt_loop(app, main)
        finally:
            _dispose(wizard)


def run_on_qt_loop(app: QApplication, main: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """asyncio.run on a qasync loop, except that the final clean-up has a deadline.

    asyncio.run waits for every cancelled task without limit: one task that does not finish
    its cancellation (a connection attempt the OS never answers) would keep the process alive
    after the window closed. Here the tasks get CLEAN_UP_SECONDS, then the loop closes anyway.
    """
    import asyncio

    import qasync

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        return int(loop.run_until_complete(main()))
    finally:
        try:
            _finish_tasks(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


CLEAN_UP_SECONDS = 3.0


def _finish_tasks(loop: asyncio.AbstractEventLoop) -> None:
    import asyncio

    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if not pending:
        return
    _done, stuck = loop.run_until_complete(asyncio.wait(pending, timeout=CLEAN_UP_SECONDS))
    for task in stuck:
        log.warning("left behind at exit: %s", task.get_name())


def _dispose(wizard: QObject) -> None:
    """Delete the window while Python and Qt both still run, not in interpreter shutdown,
    where PySide6 may destroy objects whose Python side is already gone."""
    from PySide6.QtCore import QCoreApplication

    wizard.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


class _PaintWatch(QObject):
    """Notices the first paint event of a widget (for measuring start-up honestly)."""

    def __init__(self, widget: QObject) -> None:
        super().__init__(widget)
        self.seen = False
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.seen = True
        return False


def _route_to_excepthook(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    import asyncio

    exc = context.get("exception")
    if isinstance(exc, BaseException) and not isinstance(exc, asyncio.CancelledError):
        sys.excepthook(type(exc), exc, exc.__traceback__)
    else:
        loop.default_exception_handler(context)
