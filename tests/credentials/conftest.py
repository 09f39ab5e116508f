"""Keychain tests: real Secret Service ones (marked `keychain`, skipped by tests/conftest.py
without scripts/with-keyring); unit ones run anywhere."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from smtpwizard.core import credentials


@pytest.fixture(autouse=True)
def fresh_backend() -> Iterator[None]:
    """Every test detects (or injects) its backend itself; nothing leaks to the next one."""
    credentials.set_backend(None)
    yield
    credentials.set_backend(None)
