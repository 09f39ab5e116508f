"""Starting the wizard: the Qt application and its event loops (Qt's, then qasync on it), here."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

from .errors import install_excepthook
from .state import WizardState
from .theme import apply_base_style

if TYPE_CHECKING:
    import asyncio

    from PySide6.QtGui import QIcon

    from ..core.desk.batch_results import BatchResults
    from ..core.desk.preset import Preset
    from .wizard import SetupWizard


def make_app(*, icon: bool = True) -> QApplication:
    """The application, made once. icon=False: the caller sets the window icon itself
    (run_gui does it right after the first paint: loading the SVG icon costs several ms)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setApplicationName("smtpwizard")
    app.setApplicationDisplayName("smtpwizard")
    app.setOrganizationName("smtpwizard")
    app.setDesktopFileName("smtpwizard")
    if icon:
        app.setWindowIcon(app_icon())
    apply_base_style(app)
    return app


def app_icon() -> QIcon:
    from importlib.resources import files

    from PySide6.QtGui import QIcon  # here: PySide makes the class (and its big enums) on import

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
    preset: Preset | None = None,
    results: BatchResults | None = None,
) -> int:
    """Open the wizard. The first page is painted, and answers keys and clicks, on Qt's own
    event loop before anything else is built or imported: the other pages follow in short
    slices, the asyncio loop (qasync) when the first task needs it (ui/loop.py)."""
    if screenshots is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from .wizard import SetupWizard

    app = make_app(icon=screenshots is not None)
    install_excepthook()
    state = WizardState(preset=preset)
    with contextlib.ExitStack() as stack:
        if demo:
            stack.enter_context(demo_environment(state))
        wizard = SetupWizard(state, later_pages_after_show=screenshots is None)
        try:
            if screenshots is not None:
                return _walk_for_screenshots(app, wizard, screenshots)
            return _run_window(app, wizard, results, stack)
        finally:
            _dispose(wizard)


def _run_window(
    app: QApplication,
    wizard: SetupWizard,
    results: BatchResults | None,
    stack: contextlib.ExitStack,
) -> int:
    """Show the wizard and run Qt's loop until it finishes (Finish, Cancel, Escape, closing)."""
    from . import loop, warmup
    from .wizard import after_first_paint

    on_demand = loop.LoopOnDemand(app, _route_to_excepthook)
    codes: list[int] = []

    def on_finished(code: int) -> None:
        if not codes:
            codes.append(int(code))
            app.exit(0)

    wizard.finished.connect(on_finished)
    loop.install(on_demand)
    try:
        # Set (again, if make_app set it already) after the first paint: not app.windowIcon()
        # to ask first, as that alone makes PySide build the QIcon class before the paint.
        after_first_paint(wizard, lambda: app.setWindowIcon(app_icon()))
        wizard.show()
        wizard.add_later_pages_soon()
        if results is not None:
            from .results_window import show_results

            stack.callback(show_results(wizard, results).close)
        app.exec()
    finally:
        loop.install(None)
        on_demand.close()
        warmup.settle()  # a daemon thread still importing at interpreter exit can crash it
    return 0 if codes and codes[0] in (0, 1) else 1


def _walk_for_screenshots(app: QApplication, wizard: SetupWizard, folder: Path) -> int:
    from .screenshots import walk_and_capture

    async def main() -> int:
        import asyncio

        asyncio.get_running_loop().set_exception_handler(_route_to_excepthook)
        return await walk_and_capture(wizard, folder)

    return run_on_qt_loop(app, main)


def run_on_qt_loop(app: QApplication, main: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """asyncio.run on a qasync loop, except that the final clean-up has a deadline
    (loop.close_loop: CLEAN_UP_SECONDS for the cancelled tasks, then the loop closes anyway)."""
    import asyncio

    import qasync

    from .loop import close_loop

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        return int(loop.run_until_complete(main()))
    finally:
        close_loop(loop)


def _dispose(wizard: QObject) -> None:
    """Delete the window while Python and Qt both still run, not in interpreter shutdown,
    where PySide6 may destroy objects whose Python side is already gone."""
    from PySide6.QtCore import QCoreApplication

    wizard.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _route_to_excepthook(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    import asyncio

    exc = context.get("exception")
    if isinstance(exc, BaseException) and not isinstance(exc, asyncio.CancelledError):
        sys.excepthook(type(exc), exc, exc.__traceback__)
    else:
        loop.default_exception_handler(context)
