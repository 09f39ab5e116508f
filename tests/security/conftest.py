"""Fixtures the attack tests share: one trustme CA per module and its PEM file."""

from __future__ import annotations

from pathlib import Path

import pytest
import trustme


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("attack-ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path
