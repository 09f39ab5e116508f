"""Test-only lab material: hostile servers and the scenarios only the tests use.

The demo's good servers ship in smtpwizard/lab/; `Lab` here is the same lab with the whole test
catalogue (provider replies, certificate problems, hostile servers) to start from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from smtpwizard.lab import DEFAULT_USERNAME, AuthAttempt, LabEndpoint, ReceivedMessage
from smtpwizard.lab import Lab as _ShippedLab

from .scenarios import SCENARIO_SPECS, SCENARIOS

__all__ = [
    "DEFAULT_USERNAME",
    "SCENARIOS",
    "SCENARIO_SPECS",
    "AuthAttempt",
    "Lab",
    "LabEndpoint",
    "ReceivedMessage",
]


class Lab(_ShippedLab):
    """The lab with every test scenario."""

    def __init__(self, workdir: Path | None = None, **kw: Any) -> None:
        kw.setdefault("scenarios", SCENARIO_SPECS)
        super().__init__(workdir, **kw)
