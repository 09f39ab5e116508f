"""A real browser for the report tests, and a check against the lab that saved a report."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from smtpwizard.cli import main
from tests.desk.browser import CHROMIUM, Browser

PASSWORD_ENV = "SMTPWIZARD_TEST_PASSWORD"
# A DNS server that answers nothing: discovery's DNS questions time out fast and stay on loopback.
SILENT_DNS = "127.0.16.1:9"


@pytest.fixture
def browser() -> Iterator[Browser]:
    # Debian's chromium is in scripts/apt-packages-test.txt: the test command installs it.
    assert shutil.which("chromium") or os.path.exists(CHROMIUM), "chromium is not installed"
    running = Browser()
    try:
        yield running
    finally:
        running.close()


def check_with_report(lab, ep, target: Path, *extra: str, password: str | None = None) -> int:
    os.environ[PASSWORD_ENV] = password if password is not None else (ep.password or "x")
    args = [
        "check",
        "--host",
        ep.host,
        "--port",
        str(ep.port),
        "--security",
        ep.security.value,
        "--ca-file",
        str(lab.ca_file),
        "--user",
        ep.username or "anna@lab.test",
        "--password-env",
        PASSWORD_ENV,
        "--timeout",
        "4",
        "--dns-server",
        SILENT_DNS,
        "--report",
        str(target),
        *extra,
    ]
    try:
        return main(args)
    finally:
        del os.environ[PASSWORD_ENV]


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
