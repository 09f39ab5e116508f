"""Shared fixtures: the lab of real SMTP servers on loopback, a Qt-offscreen default, and the
suite-wide guard against sockets left open."""

from __future__ import annotations

import gc
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


@pytest.fixture(autouse=True)
def nothing_left_open() -> Iterator[None]:
    """A socket, transport or event loop a test left open fails that test, not a later one.

    pyproject.toml makes a ResourceWarning an error: raised where such an object is freed
    (inside __del__, so pytest reports it as an unraisable exception, also an error there).
    Freed by its last reference it is reported in the test that dropped it; kept alive only by a
    reference cycle it would be freed whenever the collector next runs, in whatever test that
    is, so the collector runs here, at the end of each test (set up first, torn down last).
    Then what is still alive is frozen (the session's servers, imported modules): the next
    collection looks only at what was made since, which keeps this from doubling the suite's
    time (a full collection took about 0.19 s a test here).
    """
    yield
    gc.collect()
    gc.freeze()
