"""Each lab test gets its own Lab, and proves its loop ran clean (no callback errors)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.labkit import Lab


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab() as running:
        yield running
    assert running.loop_errors == []
