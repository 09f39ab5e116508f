"""Cold start to the first painted wizard page, against a bare PySide6 window, in one run.

Each sample is a fresh interpreter (a cold start) that exits as soon as its window has painted
once; the parent times it. Bare and wizard samples alternate so machine noise hits both alike.
Prints the medians and, last, "startup ratio X.XX" (goal <= 1.5).

    .venv/bin/python bench/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = {
    "bare": """
import sys
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv[:1])
window = QLabel("hello")
class Painted(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            app.quit()
        return False
window.installEventFilter(Painted(window))
window.resize(760, 600)
window.show()
app.exec()
""",
    # The real entry point, told to exit the moment its first page has painted.
    "wizard": """
import os, sys
from smtpwizard.ui.app import run_gui
def painted():
    sys.stdout.flush()
    os._exit(0)
run_gui(on_first_paint=painted)
""",
}


def sample(kind: str, env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", CHILD[kind]], env=env, check=True, timeout=60)
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    env.setdefault("SMTPWIZARD_CONFIG_DIR", tempfile.mkdtemp(prefix="smtpwizard-bench-"))
    for kind in CHILD:  # warm the disk cache once, as a user's second start would be
        sample(kind, env)
    times: dict[str, list[float]] = {kind: [] for kind in CHILD}
    for _ in range(args.runs):
        for kind in CHILD:
            times[kind].append(sample(kind, env))
    bare, wizard = (statistics.median(times[k]) for k in ("bare", "wizard"))
    print(f"bare PySide6 window, first paint: median {bare * 1000:.0f} ms over {args.runs} runs")
    print(f"smtpwizard wizard, first paint:   median {wizard * 1000:.0f} ms over {args.runs} runs")
    print(f"startup ratio {wizard / bare:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
