"""Reading the files a desk hands us (reports, accounts, results, presets): one way, one set of
messages. A FIFO, a folder or a huge file is refused rather than read (core/atomic.py)."""

from __future__ import annotations

from pathlib import Path

from ..atomic import UnreadableFile, read_bytes_limited
from ..errors import InputError

__all__ = ["read_input_file"]


def read_input_file(
    path: Path, max_bytes: int, field: str, *, error: type[InputError] = InputError
) -> bytes:
    try:
        return read_bytes_limited(path, max_bytes)
    except FileNotFoundError:
        raise error(f"{path}: no such file.", field) from None
    except UnreadableFile as exc:
        raise error(f"{path}: {exc}.", field) from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc}).", field) from None
