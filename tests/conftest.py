"""Shared fixtures: the lab of real SMTP servers on loopback, and a Qt-offscreen default."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")


HAVE_TEST_KEYRING = os.environ.get("SMTPWIZARD_TEST_KEYRING") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `keychain` (tests/credentials, tests/oauth) need a real Secret Service."""
    if HAVE_TEST_KEYRING:
        return
    skip = pytest.mark.skip(
        reason="needs a private, unlocked Secret Service: run under scripts/with-keyring "
        "(it sets SMTPWIZARD_TEST_KEYRING=1); never touches your own keychain"
    )
    for item in items:
        if item.get_closest_marker("keychain"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def lab() -> Iterator[object]:
    from tests.labkit import Lab

    with Lab() as running:
        yield running
