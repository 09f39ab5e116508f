# ruff: noqa: F811 (the deliverability lab's fixtures are imported, then taken as arguments)
"""The Done page's "Will your mail arrive?" panel against the lab DNS, driven like a person.

Screenshots at 100% and 200% go to $SMTPWIZARD_SHOTS when it is set (looked at by hand).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("PySide6")
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QPushButton

from smtpwizard.core.deliverability import DeliverabilityOptions
from smtpwizard.ui.widgets.deliverability_panel import DeliverabilityPanel
from tests.deliverability.conftest import (  # noqa: F401 (the lab's fixtures)
    SERVER_IP,
    DeliverabilityLab,
    dlab,
    keys,
    web_ca,
)

pytestmark = pytest.mark.gui


def _panel(qtbot, dlab: DeliverabilityLab, domain: str) -> DeliverabilityPanel:
    panel = DeliverabilityPanel()
    qtbot.addWidget(panel)
    panel.resize(720, 560)
    panel.show()
    panel.start(domain, dlab.options())
    qtbot.waitUntil(lambda: panel.report is not None, timeout=30000)
    return panel


def _texts(panel: DeliverabilityPanel) -> list[str]:
    return [label.text() for label in panel.findChildren(QLabel)]


def test_problems_are_shown_with_a_record_to_copy(qtbot, qloop, dlab) -> None:
    panel = _panel(qtbot, dlab, "unauth.test")
    texts = _texts(panel)
    assert panel.headline.text().startswith("! Mostly")
    assert "✗ SPF: which servers may send as you" in texts
    record = f"v=spf1 ip4:192.0.2.0/24 ip4:{SERVER_IP} -all"
    assert record in texts and "TXT record at unauth.test:" in texts
    assert any(t.startswith("✓ In order: DKIM, DMARC") for t in texts)
    assert any(t.startswith("Optional, for mail sent to you: MTA-STS, TLS reports") for t in texts)
    copy = next(b for b in panel.findChildren(QPushButton) if b.text() == "Copy")
    qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == record and copy.text() == "Copied ✓"
    _shoot(panel, "deliverability-at-risk")


def test_check_again_after_a_fix(qtbot, qloop, dlab) -> None:
    panel = _panel(qtbot, dlab, "nospf.test")
    assert any("SPF" in t and t.startswith("—") for t in _texts(panel))
    dlab.zone.add("nospf.test", "TXT", f'"v=spf1 ip4:{SERVER_IP} -all"')
    panel.again.setFocus()
    qtbot.keyClick(panel.again, Qt.Key.Key_Space)
    assert panel.report is None  # running again
    qtbot.waitUntil(lambda: panel.report is not None, timeout=30000)
    assert panel.headline.text().startswith("✓ Yes")
    _shoot(panel, "deliverability-good")


def test_blocked_and_test_domains(qtbot, qloop, dlab) -> None:
    panel = _panel(qtbot, dlab, "rejectnoalign.test")
    assert panel.headline.text().startswith("✗ Probably not")
    _shoot(panel, "deliverability-blocked")
    panel.start("shop.example", DeliverabilityOptions())  # no lab DNS: nothing to look up
    assert "reserved for tests" in panel.headline.text() and not panel.again.isEnabled()


def _shoot(panel: DeliverabilityPanel, name: str) -> None:
    folder = os.environ.get("SMTPWIZARD_SHOTS")
    if folder:
        width = panel.width()
        panel.resize(width, max(panel.heightForWidth(width), panel.minimumSizeHint().height()))
        ratio = os.environ.get("QT_SCALE_FACTOR", "1")
        panel.grab().save(str(Path(folder) / f"{name}-{ratio}x.png"))
