"""Shared fixtures: the lab of real SMTP servers on loopback, and a Qt-offscreen default."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")


@pytest.fixture(scope="session")
def lab() -> Iterator[object]:
    from tests.labkit import Lab

    with Lab() as running:
        yield running
