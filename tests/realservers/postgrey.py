"""Debian's postgrey 1.37 as Postfix's policy service, in the foreground, with a private database.

Options from postgrey(8) of that version: --inet, --dbdir, --delay, --pidfile; without
--daemonize it stays attached to the test that started it.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

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
        deadline = time.monotonic() + STARTUP_DEADLINE
        while True:
            with socket.socket() as sock:
                sock.settimeout(1)
                if sock.connect_ex((address, port)) == 0:
                    break
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise RuntimeError(f"postgrey exited: {err[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"postgrey is not listening on {address}:{port}")
            time.sleep(0.05)  # polling the listener, not synchronising on time
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
