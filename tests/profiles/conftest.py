"""Every profile test gets its own config folder; nothing touches the real one."""

from __future__ import annotations

from pathlib import Path

import pytest

from smtpwizard.core.profiles import CheckSummary, Profile
from smtpwizard.core.settings import (
    Account,
    IncomingProtocol,
    IncomingServer,
    Security,
    ServerSettings,
)


@pytest.fixture(autouse=True)
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv("SMTPWIZARD_CONFIG_DIR", str(folder))
    return folder


def make_profile(name: str = "Work", diagnosis: str | None = None) -> Profile:
    return Profile(
        name=name,
        server=ServerSettings(
            host="smtp.example.com",
            port=587,
            security=Security.STARTTLS,
            username="anna@example.com",
            trusted_fingerprint="ab" * 32,
        ),
        account=Account(
            email="anna@example.com",
            display_name="Anna Example",
            incoming=IncomingServer(IncomingProtocol.IMAP, "imap.example.com", 993, Security.TLS),
        ),
        last_check=CheckSummary(
            ok=diagnosis is None, when="2026-01-02T03:04:05+00:00", diagnosis=diagnosis
        ),
    )
