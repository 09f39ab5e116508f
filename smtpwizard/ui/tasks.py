"""A thin adapter between core coroutines and Qt: holds the task, re-emits progress as signals.

Core code never sees Qt; it gets a plain callback. The adapter keeps its own reference to the
asyncio task (qasync's asyncSlot keeps none), so Back, Cancel or closing the window can cancel it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    import asyncio

log = logging.getLogger(__name__)

ProgressSink = Callable[[Any], None]


class TaskRunner(QObject):
    progress = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception
    cancelled = Signal()
    running_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._task: asyncio.Task[Any] | None = None
        self._ticket: object | None = None

    @property
    def running(self) -> bool:
        # Until its result has been handed out: a finished task's done callback runs a pass
        # of the event loop later, and whoever waits for "not running" (a test, or a page
        # deciding what to do next) means "its succeeded/failed handlers have run".
        return self._task is not None

    def start(self, make: Callable[[ProgressSink], Awaitable[Any]]) -> None:
        """Cancel whatever runs, then run make(progress_callback) on the running event loop."""
        import asyncio  # here, not at import time: the first page paints before asyncio loads

        from .loop import event_loop

        loop = event_loop()  # in the wizard, the first task starts the asyncio loop
        self.cancel()
        ticket = object()
        self._ticket = ticket

        def report(event: Any) -> None:
            # A cancelled task may still report on its way out; by then nobody listens, and
            # the page it would update may already be gone.
            if self._ticket is ticket:
                self.progress.emit(event)

        task = asyncio.ensure_future(make(report), loop=loop)
        self._task = task
        task.add_done_callback(self._done)
        self.running_changed.emit(True)

    def cancel(self) -> None:
        task, self._task = self._task, None
        self._ticket = None
        if task is not None and not task.done():
            task.remove_done_callback(self._done)
            task.cancel()
            task.add_done_callback(_swallow)
            self.running_changed.emit(False)
            self.cancelled.emit()

    def _done(self, task: asyncio.Task[Any]) -> None:
        if task is not self._task:
            return
        self._task = None
        self.running_changed.emit(False)
        if task.cancelled():
            self.cancelled.emit()
            return
        exc = task.exception()
        if exc is not None:
            self.failed.emit(exc)
        else:
            self.succeeded.emit(task.result())


def _swallow(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.debug("a cancelled task ended with %r", task.exception())
