"""Golden files: every format, for a few typical accounts, byte for byte.

A change to an exporter shows up here as a readable diff. When the change is intended,
regenerate the files and review the diff before committing:

    SMTPWIZARD_UPDATE_GOLDEN=1 .venv/bin/pytest tests/exporters/test_golden.py
    git diff tests/exporters/golden/

The PDF card is compared as its extracted text (pdftotext -layout): its bytes depend on the
reportlab version and the fonts installed.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from smtpwizard.core.exporters import FORMATS, ExportResult, render_export
from smtpwizard.core.settings import IncomingProtocol, IncomingServer, Security

from .samples import CHECKED, sample

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("SMTPWIZARD_UPDATE_GOLDEN") == "1"

POP3 = IncomingServer(IncomingProtocol.POP3, "pop.example.net", 995, Security.TLS, "kim")
CASES = {
    # The common case: 587 STARTTLS, IMAP over SSL/TLS, the address as username.
    "starttls": (sample(Security.STARTTLS), None),
    # 465 SSL/TLS, POP3, a username that is not the address.
    "tls": (
        sample(
            Security.TLS,
            host="mail.example.net",
            username="kim",
            email="kim@example.net",
            name="Kim Lee",
            incoming=POP3,
        ),
        None,
    ),
    # An internal relay: no encryption, no sign-in.
    "none": (
        sample(
            Security.NONE,
            host="relay.office.example",
            port=25,
            username=None,
            email="printer@office.example",
            name="",
            incoming=IncomingServer(
                IncomingProtocol.IMAP, "imap.office.example", 143, Security.STARTTLS, "printer"
            ),
        ),
        None,
    ),
    # The user asked for the password to be written.
    "password": (sample(Security.STARTTLS), "s3cret-Pässword"),
}


def _comparable(result: ExportResult, tmp_path: Path) -> tuple[str, bytes]:
    if result.format.id != "card-pdf":
        return result.file_name, result.data
    pdf = tmp_path / result.file_name
    pdf.write_bytes(result.data)
    text = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    return result.file_name + ".txt", text


# Login tables: refused for a server without sign-in (see test_registry.py).
NEEDS_LOGIN = {"postfix-sasl-passwd", "dma-auth", "opensmtpd-secrets"}


def _params() -> list[tuple[str, str]]:
    params = []
    for case, ((settings, _), password) in CASES.items():
        for fmt in FORMATS:
            if fmt.id in NEEDS_LOGIN and not settings.username:
                continue  # refused: see test_registry.py
            if password is None or fmt.can_carry_password:
                params.append((case, fmt.id))
    return params


@pytest.mark.parametrize(("case", "format_id"), _params())
def test_export_matches_its_golden_file(case: str, format_id: str, tmp_path: Path) -> None:
    (settings, account), password = CASES[case]
    result = render_export(
        format_id,
        settings,
        account,
        include_password=password is not None,
        password=password,
        checked_on=CHECKED,
    )
    name, data = _comparable(result, tmp_path)
    # ".golden": no formatter or linter may touch them (one is Python, one is Ruby, ...).
    golden = GOLDEN / case / f"{format_id}--{name}.golden"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(data)
    assert golden.is_file(), f"no golden file {golden}: regenerate (see this file's docstring)"
    assert data == golden.read_bytes(), f"{golden} differs: review, then regenerate"


def test_no_stale_golden_files() -> None:
    expected = set()
    for case, format_id in _params():
        fmt = next(f for f in FORMATS if f.id == format_id)
        suffix = ".txt" if format_id == "card-pdf" else ""
        expected.add(f"{case}/{format_id}--{fmt.file_name}{suffix}.golden")
    present = {str(p.relative_to(GOLDEN)) for p in GOLDEN.rglob("*") if p.is_file()}
    assert present == expected
