"""Crash-safe file writes (a reader sees the old file or the new one, never half of either),
and the careful reads and move-aside that go with them.

The new bytes go to a temporary file in the target's own folder (os.replace is only atomic
within one file system), are flushed to disk, and then replace the target in one step; the
folder is synced so the rename itself survives a power cut. A writer killed mid-way (SIGKILL,
power loss) can leave its temporary file behind; the next write to the same target removes
such leftovers once their writer is provably gone.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import time
from pathlib import Path

__all__ = [
    "UnreadableFile",
    "atomic_write_bytes",
    "atomic_write_text",
    "move_aside",
    "read_bytes_limited",
    "remove_stale_temp_files",
    "sweep_stale_temp_files",
    "temp_prefix",
]

# A leftover older than this is removed even when its pid looks alive (pids get reused).
STALE_AFTER_SECONDS = 3600.0
_TEMP_SUFFIX = ".tmp"


def temp_prefix(target: Path) -> str:
    """Temporary files start with a dot (hidden) and carry the target's name and our pid."""
    return f".{target.name}.{os.getpid()}."


def atomic_write_text(path: Path, text: str, mode: int = 0o600) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Replace `path` with `data` atomically; the file ends with exactly `mode` (umask ignored).

    The parent folder is created (0o700) when missing. On any failure the temporary file is
    removed and the previous content of `path` is left untouched.
    """
    target = Path(path)
    folder = target.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    remove_stale_temp_files(target)
    fd, temp_name = tempfile.mkstemp(prefix=temp_prefix(target), suffix=_TEMP_SUFFIX, dir=folder)
    try:
        try:
            if hasattr(os, "fchmod"):  # pragma: no branch (POSIX; Windows has no fchmod)
                os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        if not hasattr(os, "fchmod"):  # pragma: no branch (POSIX; Windows has no fchmod)
            os.chmod(temp_name, mode)
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: Path) -> None:
    # Windows cannot open a folder for syncing; its rename is already durable enough there.
    if os.name != "posix":  # pragma: no branch (the other side runs on Windows only)
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temp_files(target: Path) -> list[Path]:
    """Remove temporary files other writers of `target` left behind when they died."""
    return _remove_stale(target.parent, re.escape(target.name))


def sweep_stale_temp_files(folder: Path) -> list[Path]:
    """The same for every target in `folder` (for files that may never be written again)."""
    return _remove_stale(Path(folder), r".+")


def _remove_stale(folder: Path, name_pattern: str) -> list[Path]:
    pattern = re.compile(rf"\.{name_pattern}\.(?P<pid>\d+)\.[^.]+" + re.escape(_TEMP_SUFFIX) + "$")
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return removed
    now = time.time()
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if not match or not entry.is_file(follow_symlinks=False):
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except FileNotFoundError:
            continue
        if age < STALE_AFTER_SECONDS and _writer_may_be_alive(int(match["pid"])):
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def _writer_may_be_alive(pid: int) -> bool:
    if pid == os.getpid():
        # Our own writes remove their temp file on failure; one still here belongs to a
        # write in progress in another thread.
        return True
    if os.name != "posix":  # pragma: no branch (the other side runs on Windows only)
        # os.kill on Windows terminates the process instead of probing it: rely on age only.
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class UnreadableFile(Exception):
    """Not something we will read: the message says why, in plain words."""


def read_bytes_limited(path: Path, max_bytes: int) -> bytes:
    """Read a regular file of at most `max_bytes` (a FIFO would block, a huge file would eat
    memory: both raise UnreadableFile). OSError passes through."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableFile("it is not a regular file")
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UnreadableFile(f"it is far too large (over {max_bytes} bytes)")
    return data


def move_aside(path: Path, label: str = "corrupt") -> Path | None:
    """Rename `path` to "<name>.<label>-<UTC time>" (never overwriting); None if impossible."""
    from datetime import UTC, datetime  # here: the wizard reads its state before its first paint

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for attempt in range(100):
        target = path.with_name(f"{path.name}.{label}-{stamp}{f'-{attempt}' if attempt else ''}")
        if target.exists():
            continue
        try:
            os.rename(path, target)
        except OSError:
            return None
        return target
    return None
