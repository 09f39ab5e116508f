"""Keychain tests: real Secret Service ones need scripts/with-keyring; unit ones run anywhere."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from smtpwizard.core import credentials

HAVE_TEST_KEYRING = os.environ.get("SMTPWIZARD_TEST_KEYRING") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if HAVE_TEST_KEYRING:
        return
    skip = pytest.mark.skip(
        reason="needs a private, unlocked Secret Service: run under scripts/with-keyring "
        "(it sets SMTPWIZARD_TEST_KEYRING=1); never touches your own keychain"
    )
    for item in items:
        if item.get_closest_marker("keychain"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def fresh_backend() -> Iterator[None]:
    """Every test detects (or injects) its backend itself; nothing leaks to the next one."""
    credentials.set_backend(None)
    yield
    credentials.set_backend(None)
