"""The wizard's asyncio event loop: qasync, started on Qt's running loop when work first needs it.

The window opens on Qt's own event loop. asyncio, ssl and qasync (about 10 MiB and tens of
milliseconds) are loaded only when the first task starts (a search, a test, the keychain):
until then the first page is all there is, and it needs none of them. The loop then runs on
the same Qt loop (qasync's `already_running`), so nothing about the window changes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

    from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

CLEAN_UP_SECONDS = 3.0

ExceptionHandler = Callable[["asyncio.AbstractEventLoop", dict[str, Any]], object]


class LoopOnDemand:
    """Makes the qasync loop the first time `get()` is asked while Qt's loop runs."""

    def __init__(self, app: QApplication, on_exception: ExceptionHandler) -> None:
        self.app = app
        self.on_exception = on_exception
        self.loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> asyncio.AbstractEventLoop:
        if self.loop is None:
            import asyncio

            import qasync

            loop = qasync.QEventLoop(self.app, already_running=True)
            loop.set_exception_handler(self.on_exception)
            asyncio.set_event_loop(loop)
            self.loop = loop
        return self.loop

    def close(self) -> None:
        """After Qt's loop has returned: cancel what still runs (with a deadline), then close.

        asyncio.run would wait for every cancelled task without limit: one task that does not
        finish its cancellation (a connection the OS never answers) would keep the process alive
        after the window closed. Here the tasks get CLEAN_UP_SECONDS, then the loop closes anyway.
        """
        loop, self.loop = self.loop, None
        if loop is None:
            return
        import asyncio

        # The loop was "already running" inside Qt's; that loop has returned. stop() marks it
        # stopped (its QApplication.exit() does nothing now), so it may run again below.
        loop.stop()
        asyncio.events._set_running_loop(None)
        close_loop(loop)


_on_demand: LoopOnDemand | None = None


def install(on_demand: LoopOnDemand | None) -> None:
    """run_gui's: where `event_loop()` gets a loop when none runs yet (None: nowhere)."""
    global _on_demand
    _on_demand = on_demand


def event_loop() -> asyncio.AbstractEventLoop:
    """The running asyncio loop; in the wizard the first call starts it."""
    import asyncio

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        if _on_demand is None:
            return asyncio.get_event_loop()  # what asyncio.ensure_future would take
        return _on_demand.get()


def close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Finish what still runs on a loop that is not running (with a deadline), then close it."""
    import asyncio

    try:
        finish_tasks(loop)
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def finish_tasks(loop: asyncio.AbstractEventLoop) -> None:
    import asyncio

    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if not pending:
        return
    _done, stuck = loop.run_until_complete(asyncio.wait(pending, timeout=CLEAN_UP_SECONDS))
    for task in stuck:
        log.warning("left behind at exit: %s", task.get_name())
