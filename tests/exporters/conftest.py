"""Fixtures for the export tests: compiled helpers for the real parsers, tool checks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def require(*tools: str) -> None:
    """The consumers are installed by scripts/setup.sh (apt-packages.txt, setup-extra.sh)."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: run scripts/setup.sh test", pytrace=False)


@pytest.fixture(scope="session")
def java_classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require("javac", "java")
    out = tmp_path_factory.mktemp("java")
    subprocess.run(
        ["javac", "-d", str(out), str(HERE / "java" / "ReadProperties.java")],
        check=True,
        timeout=60,
    )
    return out


@pytest.fixture
def reader_env(java_classes: Path) -> dict[str, str]:
    """Environment for the readers; no SMTP_PASSWORD unless a test sets one."""
    return {"JAVA_CLASSES": str(java_classes), "SMTP_PASSWORD": ""}
