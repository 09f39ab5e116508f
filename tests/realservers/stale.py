"""One run at a time per address range, and nothing left behind by a run that was killed.

Postfix's master daemonizes, so a test process killed before its fixtures' teardown (SIGKILL,
a CI timeout) leaves it running on the lab's fixed addresses. Each run holds an flock on a file
in its directory: a directory whose lock nobody holds belongs to a dead run, whose Postfix is
stopped and whose files are removed; a lock somebody holds means another live run uses this
range, and the tests say so instead of fighting over the ports.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

_PREFIX = "smtpwizard-real-"


def _daemons_of(directory: Path) -> list[int]:
    """Processes whose command line names a file of that run (dovecot -c, exim -C, postgrey
    --dbdir): by construction the dead run's own daemons."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if str(directory).encode() in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
    return found


def _stop_dead_run(directory: Path) -> None:
    for conf in directory.glob("*/postfix/conf"):
        subprocess.run(
            ["postfix", "-c", str(conf), "stop"],
            capture_output=True,
            timeout=60,
            check=False,
        )
    for pid in _daemons_of(directory):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def claimed_root(net: str, *, exclusive: bool = True) -> Iterator[Path]:
    """A fresh directory for this run, after cleaning up dead runs of `net`. Not `exclusive`:
    live runs may share the name (their servers use ephemeral ports) and are left alone."""
    base = Path(tempfile.gettempdir())
    for old in sorted(base.glob(f"{_PREFIX}{net}-*")):
        lock_path = old / "run.lock"
        if not lock_path.exists():
            continue
        with lock_path.open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not exclusive:
                    continue
                raise RuntimeError(
                    f"another test run is using {net}.x right now ({old}); wait for it, or "
                    "give this one its own range with SMTPWIZARD_REALSERVERS_NET=127.0.N"
                ) from None
            _stop_dead_run(old)
    root = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{net}-"))
    root.chmod(0o755)
    with (root / "run.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield root
        finally:
            shutil.rmtree(root, ignore_errors=True)
