"""Qt fixtures: a qasync loop driven by qtbot's waits (sync tests), and a fresh wizard."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

pytest.importorskip("PySide6")
import qasync

from smtpwizard.ui.state import WizardState
from smtpwizard.ui.wizard import SetupWizard


@pytest.fixture
def qloop(qapp) -> Iterator[asyncio.AbstractEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    for task in asyncio.all_tasks(loop):
        task.cancel()
    for _ in range(5):
        qapp.processEvents()
    # Not loop.stop(): it would call QApplication.exit() and stop every later qtbot wait.
    # Undo what already_running=True did, so later tests can use asyncio.run() again.
    asyncio.events._set_running_loop(None)
    loop._QEventLoop__is_running = False
    # Not loop.close() either: Qt may still deliver to its socket notifiers (seen: a crash).
    asyncio.set_event_loop(None)


@pytest.fixture
def isolated_config(tmp_path, monkeypatch):
    folder = tmp_path / "config"
    monkeypatch.setenv("SMTPWIZARD_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture
def wizard(qtbot, qloop, isolated_config, lab) -> Iterator[SetupWizard]:
    state = WizardState(ca_file=str(lab.ca_file))
    wiz = SetupWizard(state)
    qtbot.addWidget(wiz)
    wiz.show()
    yield wiz
    wiz.stop_everything()
