"""Debian's postgrey 1.37 as Postfix's policy service, in the foreground, with a private database.

Options from postgrey(8) of that version: --inet, --dbdir, --delay, --pidfile; without
--daemonize it stays attached to the test that started it.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from .procs import listening, stop, wait_until

STARTUP_DEADLINE = 20.0


@contextlib.contextmanager
def running_postgrey(workdir: Path, address: str, port: int) -> Iterator[None]:
    workdir.mkdir(parents=True, exist_ok=True)
    dbdir = workdir / "db"
    dbdir.mkdir(exist_ok=True)
    # postgrey drops root to its own user, which must own the database directory.
    shutil.chown(dbdir, user="postgrey", group="postgrey")
    proc = subprocess.Popen(
        [
            "postgrey",
            f"--inet={address}:{port}",
            f"--dbdir={dbdir}",
            "--delay=300",
            f"--pidfile={workdir / 'postgrey.pid'}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until(lambda: listening(address, port), proc, "postgrey", STARTUP_DEADLINE)
        yield
    finally:
        stop(proc)
