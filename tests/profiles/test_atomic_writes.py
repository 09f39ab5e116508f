"""Atomic writes: a writer killed with SIGKILL at random moments leaves the old or the new file,
never a torn one, and whatever temporary file it left is cleaned up by the next save."""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from smtpwizard.core import atomic, profiles

from .conftest import make_profile

KILLS = 50
needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="SIGKILL test needs fork()")


def temp_files(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


def kill_writer_at_random(write: Callable[[int], None], rng: random.Random) -> int:
    """Fork a child that calls write(1), write(2), ... and reports each completed one on a pipe;
    SIGKILL it at a random point. Returns the last iteration it reported complete."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read_end)
            iteration = 0
            while True:
                iteration += 1
                write(iteration)
                os.write(write_end, b"%d\n" % iteration)
        finally:
            os._exit(1)
    os.close(write_end)
    reader = os.fdopen(read_end, "rb")
    lines = [reader.readline() for _ in range(rng.randint(1, 12))]
    # A random extra delay moves the kill to a random point inside the next write.
    time.sleep(rng.uniform(0, 0.002))
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)  # reaped: its pid is now provably dead
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    lines += reader.read().split()  # everything it reported before dying
    reader.close()
    return int(lines[-1])


@needs_fork
def test_profile_saves_survive_sigkill(config: Path) -> None:
    rng = random.Random(20261127)
    name = "Killed mid-save"
    profiles.save_profile(make_profile(name, diagnosis="iter-0"))
    folder = profiles.profiles_dir()
    left_behind = 0

    def save(iteration: int) -> None:
        profiles.save_profile(make_profile(name, diagnosis=f"iter-{iteration}"))

    for _ in range(KILLS):
        reported = kill_writer_at_random(save, rng)
        # The file parses and is the last reported save or the one after (killed between
        # rename and report); never torn, never older.
        raw = json.loads(profiles.profile_path(name).read_text("utf-8"))
        loaded = profiles.load_profile(name)
        assert loaded.last_check is not None and loaded.last_check.diagnosis is not None
        saved = int(loaded.last_check.diagnosis.removeprefix("iter-"))
        assert raw["last_check"]["diagnosis"] == f"iter-{saved}"
        assert saved in (reported, reported + 1)
        left_behind += bool(temp_files(folder))
        # Our next save cleans up whatever the dead writer left.
        profiles.save_profile(make_profile(name, diagnosis="iter-0"))
        assert temp_files(folder) == []
    assert profiles.list_profiles().problems == []
    print(f"{KILLS} kills, {left_behind} left a temporary file behind (all cleaned)")


@needs_fork
def test_large_writes_survive_sigkill(tmp_path: Path) -> None:
    rng = random.Random(7)
    target = tmp_path / "big.bin"
    size = 256 * 1024  # large enough that kills land inside write() and fsync()
    atomic.atomic_write_bytes(target, bytes([0]) * size)

    def write(iteration: int) -> None:
        atomic.atomic_write_bytes(target, bytes([iteration % 256]) * size)

    left_behind = 0
    for _ in range(KILLS // 2):
        reported = kill_writer_at_random(write, rng)
        data = target.read_bytes()
        assert len(data) == size and data.count(data[:1]) == size  # whole, one version
        assert data[0] in (reported % 256, (reported + 1) % 256)
        left_behind += bool(temp_files(tmp_path))
        atomic.atomic_write_bytes(target, bytes([0]) * size)
        assert temp_files(tmp_path) == []
    print(f"{KILLS // 2} kills of 256 KiB writes, {left_behind} left a temporary file behind")


def test_failed_write_keeps_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "f.json"
    atomic.atomic_write_bytes(target, b"old")

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space left"):
        atomic.atomic_write_bytes(target, b"new")
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert temp_files(tmp_path) == []


def test_mode_is_exact_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        atomic.atomic_write_bytes(tmp_path / "public", b"x", mode=0o644)
        atomic.atomic_write_bytes(tmp_path / "private", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "public").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "private").stat().st_mode) == 0o600


def test_only_dead_or_ancient_writers_lose_their_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "f.json"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(dead.stdout)
    alive_pid = os.getppid()
    dead_temp = tmp_path / f".f.json.{dead_pid}.abcd1234.tmp"
    alive_temp = tmp_path / f".f.json.{alive_pid}.efgh5678.tmp"
    ancient_temp = tmp_path / f".f.json.{alive_pid}.ijkl9012.tmp"
    other_target = tmp_path / f".g.json.{dead_pid}.mnop3456.tmp"
    for path in (dead_temp, alive_temp, ancient_temp, other_target):
        path.write_bytes(b"partial")
    two_hours_ago = time.time() - 7200
    os.utime(ancient_temp, (two_hours_ago, two_hours_ago))
    atomic.atomic_write_bytes(target, b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [alive_temp.name, other_target.name, "f.json"]
    )
    # A folder sweep (list_profiles does one) also catches files of other targets.
    assert atomic.sweep_stale_temp_files(tmp_path) == [other_target]
