# ruff: noqa: F811 (the receiving chain's fixtures are imported, then taken as arguments)
"""'Ask my mailbox' on the Done page's panel, against the real receiving chain (Postfix with
OpenDKIM, OpenDMARC and policyd-spf; Dovecot IMAPS): clicked like a person, answered with what
the chain wrote. Screenshots at 100% and 200% go to $SMTPWIZARD_SHOTS when it is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("PySide6")
from PySide6.QtCore import Qt

from smtpwizard.ui.widgets.deliverability_panel import DeliverabilityPanel
from tests.deliverability.chain import MAILBOX, PASSWORD
from tests.deliverability.test_receiver_chain import (  # noqa: F401 (fixtures)
    AUTHORISED,
    IMAPS,
    STRANGER,
    chain,
    chain_ca,
    chain_dns,
    chain_message,
    key,
    send_from,
)

pytestmark = pytest.mark.gui


def _box(qtbot, chain_ca, message_id: str) -> DeliverabilityPanel:
    panel = DeliverabilityPanel()
    qtbot.addWidget(panel)
    panel.resize(720, 300)
    panel.show()
    panel.receiver.offer(IMAPS, MAILBOX, PASSWORD, message_id, str(chain_ca[0]))
    return panel


def test_the_receivers_verdict_on_request(qtbot, qloop, chain, chain_ca, key) -> None:
    data, message_id = chain_message(key, "asked from the wizard")
    send_from(data, AUTHORISED)
    panel = _box(qtbot, chain_ca, message_id)
    box = panel.receiver
    assert box.isVisible() and box.outcomes is None  # nothing is read before the click
    box.delete.setChecked(True)
    qtbot.mouseClick(box.ask, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: box.outcomes is not None, timeout=40000)
    assert box.outcomes == {"spf": "pass", "dkim": "pass", "dmarc": "pass"}
    assert "arrived in your inbox: spf=pass, dkim=pass, dmarc=pass" in box.result.text()
    _shoot(panel, "receiver-pass")


def test_a_failing_message_and_a_kept_one(qtbot, qloop, chain, chain_ca) -> None:
    data, message_id = chain_message(None, "unsigned from the wizard")
    send_from(data, STRANGER)
    panel = _box(qtbot, chain_ca, message_id)
    box = panel.receiver
    qtbot.mouseClick(box.ask, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: box.outcomes is not None, timeout=40000)
    assert box.outcomes is not None
    assert (box.outcomes["spf"], box.outcomes["dmarc"]) == ("fail", "fail")
    _shoot(panel, "receiver-fail")
    # not deleted (the box was not ticked): asking again finds it again
    box.outcomes = None
    qtbot.mouseClick(box.ask, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: box.outcomes is not None, timeout=40000)


def _shoot(panel: DeliverabilityPanel, name: str) -> None:
    folder = os.environ.get("SMTPWIZARD_SHOTS")
    if folder:
        width = panel.width()
        panel.resize(width, max(panel.heightForWidth(width), panel.minimumSizeHint().height()))
        ratio = os.environ.get("QT_SCALE_FACTOR", "1")
        panel.grab().save(str(Path(folder) / f"{name}-{ratio}x.png"))
