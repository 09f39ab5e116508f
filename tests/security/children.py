"""One smtpwizard command in a fresh interpreter, with its exit status, wall time and peak RSS.

The child runs through rss_probe.py, which reports the child's own VmHWM (os.wait4's ru_maxrss
would include this pytest process's RSS, see rss_probe.py). Shared by the security tests that
hold hostile servers and documents to a memory bound and a deadline.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PROBE = HERE / "rss_probe.py"
PASSWORD_ENV = "SMTPWIZARD_HOSTILE_PASSWORD"
MIB = 1024 * 1024
KILL_AFTER = 40.0  # a hung child is killed so the test fails instead of hanging


def mib(n: int) -> str:
    return f"{n / MIB:.1f} MiB"


@dataclass(frozen=True)
class ChildRun:
    status: int
    seconds: float
    peak_rss: int  # bytes, the child's own VmHWM
    wait4_maxrss: int  # bytes, os.wait4's figure: at least peak_rss, and at least our own RSS
    stdout: str
    stderr: str

    def report(self) -> dict[str, Any]:
        assert self.stdout, f"no output (status {self.status}); stderr: {self.stderr[-2000:]}"
        parsed: dict[str, Any] = json.loads(self.stdout)
        return parsed


def run_child(
    args: list[str],
    tmp: Path,
    *,
    password: str = "",
    ballast_mib: int = 0,
    env_extra: dict[str, str] | None = None,
) -> ChildRun:
    """One smtpwizard command in a fresh interpreter: its status, wall time and peak RSS."""
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "PYTHONPATH": str(ROOT),
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        PASSWORD_ENV: password,
        **(env_extra or {}),
    }
    rss_report = tmp / "peak_rss"
    command = [sys.executable, str(PROBE), "--report", str(rss_report)]
    if ballast_mib:
        command += ["--ballast-mib", str(ballast_mib)]
    command += ["--", *args]
    out_path, err_path = tmp / "stdout", tmp / "stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        began = time.monotonic()
        child = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=tmp)
        killer = threading.Timer(KILL_AFTER, child.kill)
        killer.start()
        try:
            _, wait_status, usage = os.wait4(child.pid, 0)
        finally:
            killer.cancel()
        seconds = time.monotonic() - began
    status = os.waitstatus_to_exitcode(wait_status)
    child.returncode = status  # reaped by wait4: Popen must not wait for it again
    run = ChildRun(
        status=status,
        seconds=seconds,
        peak_rss=int(rss_report.read_text()),
        wait4_maxrss=usage.ru_maxrss * 1024,  # Linux reports kilobytes
        stdout=out_path.read_text("utf-8", "replace"),
        stderr=err_path.read_text("utf-8", "replace"),
    )
    # The kernel's figure bounds the child's own from above: a report that exceeds it is wrong.
    assert 0 < run.peak_rss <= run.wait4_maxrss + MIB, run
    return run


def run_cli(
    args: list[str], *, home: Path, password: str = ""
) -> subprocess.CompletedProcess[bytes]:
    """`python -m smtpwizard ARGS` with a clean environment; output kept as bytes, so a test
    can decode it strictly (invalid UTF-8 must fail it, not be replaced)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "PYTHONPATH": str(ROOT),
        "LANG": "C.UTF-8",
        PASSWORD_ENV: password,
    }
    command = [sys.executable, "-m", "smtpwizard", *args]
    return subprocess.run(command, capture_output=True, env=env, timeout=KILL_AFTER, check=False)
