"""Starting and stopping the real servers' processes: wait for a listener, stop for sure."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it has not gone within 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()


def listening(address: str, *ports: int) -> bool:
    for port in ports:
        with socket.socket() as sock:
            sock.settimeout(1)
            if sock.connect_ex((address, port)) != 0:
                return False
    return True


def wait_until(
    ready: Callable[[], bool],
    proc: subprocess.Popen[bytes],
    what: str,
    deadline: float,
    log: Callable[[], str] = lambda: "",
) -> None:
    """Poll ready() until it holds; fail at once if the process died, or at the deadline."""
    end = time.monotonic() + deadline
    while not ready():
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"{what} exited: {err[-2000:]}\n{log()[-2000:]}")
        if time.monotonic() > end:
            raise RuntimeError(f"{what} did not get ready in {deadline} s\n{log()[-2000:]}")
        time.sleep(0.02)  # polling for a listener or a file the daemon creates, not for time
