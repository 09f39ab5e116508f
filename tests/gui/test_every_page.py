"""Every page, walked in the smallest window: unique Alt+letters, the cursor in the first
empty field, nothing overlapping or cut, and the test's verdict visible without scrolling."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication, QWizard

from smtpwizard.core.discovery import DiscoveryOptions, SourceKind
from smtpwizard.core.settings import Security
from smtpwizard.ui.page_ids import PageId

from .layout_checks import clashes, layout_problems


def check_page(qtbot, wizard, page_id, seen):
    qtbot.waitUntil(lambda: wizard.currentId() == page_id)
    page = wizard.currentPage()
    QApplication.processEvents()  # a sync test: lay out before measuring
    assert clashes(wizard) == {}, page_id.name
    manual = wizard.button(QWizard.WizardButton.CustomButton1)  # "Enter settings myself"
    assert manual.isVisible() == (page_id != PageId.SERVER), page_id.name
    assert layout_problems(page) == [], page_id.name
    seen.append(page_id)
    return page


def focus_is(widget):
    return QApplication.focusWidget() is widget


# The minimum size, and the room a 1280x900 screen leaves at 200% (fit_to_screen lowers the
# minimum to it): logical pixels, so fonts and controls are as big as at 100%.
SIZES = {"minimum": (640, 520), "1280x900 at 200%": (640, 450)}


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_every_page_at_the_minimum_size(qtbot, wizard, lab, size):
    ep = lab.start("tls_ok")
    wizard.setMinimumSize(*SIZES[size])
    wizard.resize(*SIZES[size])
    assert wizard.size().toTuple() == SIZES[size]
    wizard.state.discovery_options = DiscoveryOptions(
        sources=frozenset({SourceKind.PROVIDER_TABLE}), timeout=5.0
    )
    seen: list[PageId] = []

    email = check_page(qtbot, wizard, PageId.EMAIL, seen)
    qtbot.waitUntil(lambda: focus_is(email.name))
    qtbot.keyClicks(email.name, "Anna Lab")
    qtbot.keyClick(email.name, Qt.Key.Key_Tab)
    qtbot.keyClicks(email.email, ep.username)
    qtbot.keyClick(email.email, Qt.Key.Key_Return)  # no password: "I'll type it later"

    finding = wizard.page_of(PageId.FINDING)
    qtbot.waitUntil(
        lambda: finding.outcome is not None and not finding.runner.running, timeout=20000
    )
    check_page(qtbot, wizard, PageId.FINDING, seen)
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    qtbot.waitUntil(lambda: focus_is(next_button))
    qtbot.keyClick(next_button, Qt.Key.Key_Return)  # nothing found: the settings by hand

    server = check_page(qtbot, wizard, PageId.SERVER, seen)
    qtbot.waitUntil(lambda: focus_is(server.host))
    qtbot.keyClicks(server.host, ep.host)
    server.port.setValue(ep.port)
    server.security.setCurrentIndex(server.security.findData(Security.STARTTLS.value))
    qtbot.keyClick(server.host, Qt.Key.Key_Return)

    signin = check_page(qtbot, wizard, PageId.SIGN_IN, seen)
    qtbot.waitUntil(lambda: focus_is(signin.password.edit))  # the one empty field
    qtbot.waitUntil(lambda: not signin.keychain.running, timeout=15000)  # its deadline: 10 s
    signin.send_test.setChecked(False)
    qtbot.keyClicks(signin.password.edit, ep.password)
    qtbot.keyClick(signin.password.edit, Qt.Key.Key_Return)

    test = wizard.page_of(PageId.TEST)
    qtbot.waitUntil(
        lambda: test.state.last_result is not None and not test.runner.running, timeout=20000
    )
    check_page(qtbot, wizard, PageId.TEST, seen)
    assert test.state.last_result.diagnosis.code == "wrong_security"
    viewport = test.scroll_area.viewport()
    shown = QRect(viewport.mapToGlobal(viewport.rect().topLeft()), viewport.size())
    for part in (test.card.title, test.card.fix, test.card.apply):
        where = QRect(part.mapToGlobal(part.rect().topLeft()), part.size())
        assert shown.contains(where), f"{part.text()!r} needs scrolling at the minimum size"
    # The steps are one line until asked for, then each step (and the page still fits).
    assert not test.steps.body.isVisible() and "failed" in test.steps.summary.text()
    qtbot.mouseClick(test.steps.toggle, Qt.MouseButton.LeftButton)
    assert test.steps.body.isVisible() and "Hide" in test.steps.toggle.text()
    check_page(qtbot, wizard, PageId.TEST, seen)
    qtbot.mouseClick(test.steps.toggle, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(test.card.apply, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: test.state.last_result is not None and not test.runner.running, timeout=20000
    )
    assert test.state.last_result.ok
    check_page(qtbot, wizard, PageId.TEST, seen)
    qtbot.waitUntil(lambda: not test.saver.running, timeout=15000)
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)

    check_page(qtbot, wizard, PageId.DONE, seen)
    assert set(seen) == set(PageId)
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    qtbot.waitUntil(lambda: focus_is(finish))
    qtbot.keyClick(finish, Qt.Key.Key_Return)  # Return does what the default button says
    qtbot.waitUntil(lambda: not wizard.isVisible())
    assert wizard.result() == QWizard.DialogCode.Accepted
