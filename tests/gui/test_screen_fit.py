"""The window fits the screen it opens on at 100%, 150% and 200%, with every control reachable:
the wizard's buttons on screen, everything else in the page's scroll area."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DRIVER = Path(__file__).with_name("screen_fit_driver.py")
ROOT = Path(__file__).resolve().parents[2]
SCREEN = {"name": "laptop", "x": 0, "y": 0, "width": 1280, "height": 900}


def inside(outer, inner) -> bool:
    x, y, w, h = outer
    a, b, c, d = inner
    return x <= a and y <= b and a + c <= x + w and b + d <= y + h


@pytest.mark.parametrize("saved_big", [False, True], ids=["new", "saved-1520x1200"])
@pytest.mark.parametrize("scale", ["1", "1.5", "2"])
def test_the_window_fits_the_screen(tmp_path, scale, saved_big):
    config = tmp_path / "screen.json"
    screen = {**SCREEN, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}
    config.write_text(json.dumps({"screens": [screen]}))
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
        "QT_SCALE_FACTOR": scale,
        "SMTPWIZARD_CONFIG_DIR": str(tmp_path / "config"),
        "PYTHONPATH": str(ROOT),
    }
    args = [sys.executable, str(DRIVER)] + (["--saved-big"] if saved_big else [])
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    room = seen["available"]
    assert room[2:] == [round(1280 / float(scale)), round(900 / float(scale))]
    assert inside(room, seen["frame"]), seen
    assert seen["minimum"][0] <= room[2] and seen["minimum"][1] <= room[3]
    assert {"&Next >", "Cancel"} <= set(seen["buttons"])
    for text, where in seen["buttons"].items():
        assert inside(room, where), f"{text} is off the screen: {where} not in {room}"
    assert seen["outside_scrolling"] == {name: [] for name in seen["outside_scrolling"]}
