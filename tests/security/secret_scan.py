"""Find a password in anything: files, text, log records, in every form it could leak in.

Shared by test_no_secret_leaks.py (CLI flows) and test_no_secret_leaks_gui.py (the wizard).
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import re
import secrets
import shutil
import subprocess
import zlib
from collections.abc import Iterable
from pathlib import Path

USERNAME = "anna@lab.test"
TOKEN = secrets.token_hex(8)
# Unique per run, and not plain ASCII: escaped forms (JSON \\u00dc, quoted-printable) differ.
PASSWORD = f"S3cret-{TOKEN}-Ünï"

# Loggers of the lab's servers: they are the other end, which does receive the credentials.
SERVER_SIDE_LOGGERS = ("mail.log", "smtpwizard.lab")


def _b64(data: bytes) -> bytes:
    return base64.b64encode(data)


def needles(password: str = PASSWORD, username: str = USERNAME) -> dict[str, bytes]:
    raw = password.encode("utf-8")
    user = username.encode("utf-8")
    found = {
        "password": raw,
        "password (latin-1)": password.encode("latin-1", "replace"),
        "password (JSON-escaped)": json.dumps(password).strip('"').encode("ascii"),
        "password (UTF-16)": password.encode("utf-16-le"),
        "LOGIN payload (base64 password)": _b64(raw),
        "PLAIN payload (\\0user\\0password)": _b64(b"\0" + user + b"\0" + raw),
        "PLAIN payload (user\\0user\\0password)": _b64(user + b"\0" + user + b"\0" + raw),
        "PLAIN payload (\\0\\0password)": _b64(b"\0\0" + raw),
    }
    # The random part alone catches any encoding that keeps ASCII (quoted, truncated, ...).
    if password == PASSWORD:
        found["random part of the password"] = TOKEN.encode("ascii")
    return found


_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)


def unpacked(data: bytes) -> list[bytes]:
    """data, plus what compressed formats hide: PDF streams and base64(zlib(...)) (Post SMTP)."""
    forms = [data]
    for stream in _PDF_STREAM.findall(data):
        with contextlib.suppress(zlib.error):
            forms.append(zlib.decompress(stream))
    if data.startswith(b"%PDF"):
        # Subset fonts encode a PDF's text as glyph numbers: only a PDF reader gets it back.
        tool = shutil.which("pdftotext")
        assert tool, "pdftotext (poppler-utils) is needed to read PDF text"
        proc = subprocess.run([tool, "-", "-"], input=data, capture_output=True, timeout=30)
        forms.append(proc.stdout)
    with contextlib.suppress(ValueError, zlib.error):
        forms.append(zlib.decompress(base64.b64decode(data.strip(), validate=True)))
    return forms


def find(blob: bytes | str, password: str = PASSWORD) -> list[str]:
    """Names of the forms of the password found in blob (empty: none)."""
    data = blob.encode("utf-8", "surrogateescape") if isinstance(blob, str) else blob
    forms = unpacked(data)
    return [
        name for name, needle in needles(password).items() if any(needle in form for form in forms)
    ]


def scan_tree(*roots: Path, password: str = PASSWORD) -> list[str]:
    """Every regular file under the roots (symlinks not followed), with what was found."""
    hits: list[str] = []
    count = 0
    for root in roots:
        if not root.exists():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                count += 1
                hits += [f"{path}: {name}" for name in find(path.read_bytes(), password)]
    return hits


def files_under(*roots: Path) -> list[Path]:
    return [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]


def scan_records(records: Iterable[logging.LogRecord], password: str = PASSWORD) -> list[str]:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    hits = []
    for record in records:
        if record.name.startswith(SERVER_SIDE_LOGGERS):
            continue
        text = formatter.format(record) + repr(record.args) + repr(record.__dict__.get("extra"))
        hits += [f"log {record.name}: {name}" for name in find(text, password)]
    return hits
