"""Closing the window mid-search, mid-test and mid-save ends the program cleanly, every time.

Each run is a real `run_gui(demo=True)` in its own process (its own qasync loop, as people
run it), closed by tests/gui/close_driver.py at a different moment each time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DRIVER = Path(__file__).with_name("close_driver.py")
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("moment", ["search", "test", "save"])
def test_closing_the_window_mid_work_exits_cleanly(tmp_path, moment):
    for after in range(3):  # at the first, second and fourth progress event
        after = after * after
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "SMTPWIZARD_CONFIG_DIR": str(tmp_path / f"config-{after}"),
            "PYTHONPATH": str(ROOT),
            "PYTHONFAULTHANDLER": "1",
        }
        proc = subprocess.run(
            [sys.executable, str(DRIVER), moment, str(after)],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=ROOT,
        )
        log = proc.stderr
        assert f"closing during the {moment}" in log, log
        assert proc.returncode == 0, log
        for bad in ("Fatal Python error", "Traceback", "left behind at exit", "Cannot enter"):
            assert bad not in log, log
