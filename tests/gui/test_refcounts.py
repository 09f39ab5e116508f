"""The Qt binding keeps Python's reference counts right across many slot calls.

PySide6 6.12.0 on Python 3.11 dropped one reference to None (or True) per call of a Python
slot: after enough timer ticks and progress signals, "Fatal Python error: none_dealloc" ended
the wizard, most often while it closed. Measured here on the calls the wizard makes.
"""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import QObject, QTimer, Signal

# The broken binding loses about one reference per call; other threads (the lab's servers)
# may free a few dozen of their own meanwhile. Half the calls tells the two apart.
CALLS = 1500


class Emitter(QObject):
    value = Signal(object)


def counts() -> tuple[int, int, int]:
    gc.collect()
    return sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)


def drift(before: tuple[int, int, int]) -> tuple[int, ...]:
    after = counts()
    return tuple(a - b for a, b in zip(after, before, strict=True))


def test_signals_and_timers_leave_none_and_booleans_alone(qtbot):
    emitter = Emitter()
    seen: list[object] = []
    emitter.value.connect(lambda v: seen.append(v) and None)
    timer = QTimer()
    timer.setInterval(0)
    timer.timeout.connect(lambda: None)
    before = counts()
    for value in (None, True, False) * (CALLS // 3):
        emitter.value.emit(value)
    fired = 0

    def tick() -> None:
        nonlocal fired
        fired += 1

    timer.timeout.connect(tick)
    timer.start()
    qtbot.waitUntil(lambda: fired >= CALLS, timeout=20000)
    timer.stop()
    seen.clear()
    assert all(d > -CALLS // 2 for d in drift(before)), drift(before)
