"""Qt fixtures: a qasync loop driven by qtbot's waits (sync tests), and a fresh wizard."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

pytest.importorskip("PySide6")
import qasync

from smtpwizard.ui.state import WizardState
from smtpwizard.ui.wizard import SetupWizard


@pytest.fixture(scope="session")
def _session_qloop(qapp) -> Iterator[asyncio.AbstractEventLoop]:
    """One qasync loop for all GUI tests, closed while the QApplication still exists."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.events._set_running_loop(None)
    yield loop
    asyncio.events._set_running_loop(None)
    loop._QEventLoop__is_running = False
    loop.close()


@pytest.fixture
def qloop(qapp, _session_qloop) -> Iterator[asyncio.AbstractEventLoop]:
    """Style A of stack-notes.md: sync tests, qtbot's waits drive the loop."""
    loop = _session_qloop
    asyncio.events._set_running_loop(loop)
    asyncio.set_event_loop(loop)
    yield loop
    for task in asyncio.all_tasks(loop):
        task.cancel()
    for _ in range(5):
        qapp.processEvents()
    # Not loop.stop(): it would call QApplication.exit() and stop every later qtbot wait.
    # Other tests may call asyncio.run() afterwards, so the loop must not look running.
    asyncio.events._set_running_loop(None)
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
