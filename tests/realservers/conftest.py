"""The real-server lab (Postfix + Dovecot SASL + postgrey, and Exim), started once for these
tests and stopped after them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from .certs import RealCerts
from .exim import DEFAULT_POLICY, running_exim
from .lab import EXIM_ACCOUNT, EXIM_HOSTS, EXIM_USER, NET, EximLabs, RealLab, running_lab
from .stale import claimed_root


@pytest.fixture(scope="session")
def real_root() -> Iterator[Path]:
    # Not pytest's tmp_path: its parents are mode 0700, and the servers drop root (postgrey,
    # Dovecot's auth, Exim) before they open files in here.
    with claimed_root(NET) as root:
        yield root


@pytest.fixture(scope="session")
def real_lab(real_root: Path) -> Iterator[RealLab]:
    with running_lab(real_root / "postfix-lab") as lab:
        yield lab


@pytest.fixture(scope="session")
def exim_lab(real_root: Path) -> Iterator[EximLabs]:
    certs = RealCerts(real_root / "exim-certs")
    good = certs.issued("exim", *EXIM_HOSTS)
    with contextlib.ExitStack() as stack:
        main = stack.enter_context(
            running_exim(
                real_root / "exim",
                address=EXIM_HOSTS["mail.exim.test"],
                cert=good,
                hostname="mail.exim.test",
                **EXIM_ACCOUNT,
            )
        )
        # One connection per client: a test holds one, the check gets Exim's 421.
        busy = stack.enter_context(
            running_exim(
                real_root / "exim-busy",
                address=EXIM_HOSTS["busy.exim.test"],
                cert=good,
                hostname="busy.exim.test",
                max_per_host=1,
                **EXIM_ACCOUNT,
            )
        )
        # Exim's default rules and texts: "Sender verify failed", "relay not permitted".
        default = stack.enter_context(
            running_exim(
                real_root / "exim-default",
                address=EXIM_HOSTS["std.exim.test"],
                cert=good,
                hostname="std.exim.test",
                policy=DEFAULT_POLICY,
                **EXIM_ACCOUNT,
            )
        )
        yield EximLabs(certs.ca_file, EXIM_USER, main, busy, default)
