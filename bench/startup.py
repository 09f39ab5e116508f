"""Start-up of the wizard against a bare QWizard, measured the same way for both, in one run.

    .venv/bin/python bench/startup.py [--runs 9]

Each sample is a fresh interpreter (byte-compiled, as an installed program is) that notes, on
CLOCK_MONOTONIC (shared by every process on the machine), three moments and prints them:

- paint: the first paint event of its window;
- input: the moment the window answers input. At its first paint the child posts a key press
  (F35, bound to nothing) to its window; the moment it is delivered is the first moment a
  click or key press of the user's would have been;
- idle: a second later, the first time the event loop goes to sleep; the resident memory
  (VmRSS) at that moment is the idle memory.

Then both children leave the same way (os._exit(0)), so neither's teardown is counted or
treated differently. The parent takes the clock just before it starts the child and reads the
child's lines with blocking reads, then waits for it with a blocking wait (no polling, no timer
granularity). Bare and wizard samples alternate so machine noise hits both alike.
Goals: first paint at most 1.3x, answering input at most 1.5x, idle RSS at most 1.3x.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Shared by both children: watches the window, reports the three moments, then leaves.
PROBE = """
import os, sys, time
from PySide6.QtCore import QAbstractEventDispatcher, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

def say(*words):
    os.write(1, (" ".join(str(w) for w in words) + "\\n").encode())

class Probe(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window, self.painted, self.answered, self.settled = window, False, False, False
        window.installEventFilter(self)

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and not self.painted:
            self.painted = True
            say("paint", time.monotonic())
            # A key nothing is bound to (a mouse move without buttons is not even delivered).
            key = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_F35, Qt.KeyboardModifier.NoModifier)
            QApplication.postEvent(self.window, key)
        elif event.type() == QEvent.Type.KeyPress and self.painted and not self.answered:
            self.answered = True
            say("input", time.monotonic())
            QTimer.singleShot(1000, self.settle)
        return False

    def settle(self):
        QAbstractEventDispatcher.instance().aboutToBlock.connect(self.idle)

    def idle(self):
        if self.settled:
            return
        self.settled = True
        with open("/proc/self/status") as status:
            rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        say("idle", time.monotonic(), rss)
        sys.stdout.flush()
        os._exit(0)
"""

CHILD = {
    "bare": PROBE
    + """
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWizard, QWizardPage
app = QApplication(sys.argv[:1])
wizard = QWizard()
page = QWizardPage()
page.setTitle("Welcome")
QVBoxLayout(page).addWidget(QLabel("hello"))
wizard.addPage(page)
probe = Probe(wizard)
wizard.resize(760, 600)
wizard.show()
app.exec()
""",
    # The real entry point; the probe is attached to its window before that window first shows.
    "wizard": PROBE
    + """
from smtpwizard.ui import wizard as wizard_module
original_init = wizard_module.SetupWizard.__init__
def init(self, *args, **kwargs):
    original_init(self, *args, **kwargs)
    self._bench_probe = Probe(self)
wizard_module.SetupWizard.__init__ = init
from smtpwizard.ui.app import run_gui
run_gui()
""",
}


def sample(kind: str, env: dict[str, str]) -> dict[str, float]:
    began = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD[kind]], env=env, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    moments: dict[str, float] = {}
    for line in child.stdout:  # blocking reads, until the child has left
        name, at, *rest = line.split()
        moments[name] = float(at) - began
        if rest:
            moments["rss"] = int(rest[0]) * 1024
    if child.wait() != 0 or set(moments) != {"paint", "input", "idle", "rss"}:
        raise SystemExit(f"the {kind} child failed (status {child.returncode}, saw {moments})")
    return moments


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be positive")
    compileall.compile_dir(str(ROOT / "smtpwizard"), quiet=1)
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    env.setdefault("SMTPWIZARD_CONFIG_DIR", tempfile.mkdtemp(prefix="smtpwizard-bench-"))
    for kind in CHILD:  # warm the disk cache once, as a user's second start would be
        sample(kind, env)
    samples: dict[str, list[dict[str, float]]] = {kind: [] for kind in CHILD}
    for _ in range(args.runs):
        for kind in CHILD:
            samples[kind].append(sample(kind, env))

    def median(kind: str, what: str) -> float:
        return statistics.median(s[what] for s in samples[kind])

    print(
        f"Medians of {args.runs} runs each, alternating (QT_QPA_PLATFORM={env['QT_QPA_PLATFORM']})."
    )
    print(f"{'':28}{'bare QWizard':>14}{'smtpwizard':>14}{'ratio':>8}  goal")
    goals = {"paint": 1.3, "input": 1.5, "rss": 1.3}
    labels = {"paint": "first paint", "input": "answers input", "rss": "idle RSS"}
    for what, goal in goals.items():
        bare, ours = median("bare", what), median("wizard", what)
        unit, scale = ("MiB", 2**-20) if what == "rss" else ("ms", 1000)
        verdict = "met" if ours / bare <= goal else "MISSED"
        print(
            f"{labels[what]:28}{bare * scale:10.1f} {unit:3}{ours * scale:10.1f} {unit:3}"
            f"{ours / bare:8.2f}  <= {goal:g} {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
