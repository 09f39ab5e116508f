"""`smtpwizard gui --demo --screenshots DIR`: walk every page against the demo, one PNG each.

The README's screenshots come from here. The walk succeeds (exit 0) only when it reaches the
last page with a passing live test, so it doubles as an end-to-end smoke test of the GUI.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWizard

from ..core.settings import Security
from .page_ids import PageId
from .pages.finding_page import FindingPage
from .pages.server_page import ServerPage
from .pages.signin_page import SignInPage
from .pages.test_page import TestPage
from .wizard import DEFAULT_SIZE, SetupWizard


async def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def settle() -> None:
    # Awaiting lets qasync run Qt's events (layouts, paints). Never processEvents() here: it
    # would run other tasks inside this one ("Cannot enter into task ...").
    for _ in range(3):
        await asyncio.sleep(0.05)


async def shoot(wizard: SetupWizard, folder: Path, name: str) -> Path:
    await settle()
    path = folder / f"{name}.png"
    if not wizard.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    print(f"saved {path}", file=sys.stderr)
    return path


async def walk_and_capture(wizard: SetupWizard, folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    # The size a new window really opens at: the README shows what people see.
    wizard.resize(DEFAULT_SIZE)
    wizard.show()
    try:
        await _walk(wizard, folder)
    except (TimeoutError, AssertionError, OSError) as exc:
        print(f"screenshots: the walk stopped: {exc}", file=sys.stderr)
        await shoot(wizard, folder, "99-stopped-here")
        return 1
    finally:
        wizard.stop_everything()
        wizard.hide()
    return 0


async def _walk(wizard: SetupWizard, folder: Path) -> None:
    def on(page_id: PageId) -> bool:
        return wizard.currentId() == int(page_id)

    # The short way: the first page filled in, one Enter, and the next stop is the Done page.
    await wait_for(lambda: on(PageId.EMAIL), "the email page")
    await shoot(wizard, folder, "01-email")
    wizard.next()
    test = wizard.page_of(PageId.TEST)
    assert isinstance(test, TestPage)
    await wait_for(lambda: on(PageId.DONE), "the Done page by the short way", 60)
    await shoot(wizard, folder, "06-done")
    assert wizard.button(QWizard.WizardButton.FinishButton).isVisible()

    # The pages it went through, as they were left.
    wizard.back()
    await wait_for(lambda: on(PageId.TEST), "the Test page")
    assert test.isComplete(), f"the short way's test did not pass: {test.state.last_result}"
    await shoot(wizard, folder, "05-test-passed")
    wizard.back()
    finding = wizard.page_of(PageId.FINDING)
    assert isinstance(finding, FindingPage)
    await wait_for(lambda: on(PageId.FINDING), "the Finding page")
    assert finding.outcome is not None and finding.outcome.settings is not None
    await shoot(wizard, folder, "02-finding")

    # The manual way, with a mistake the test diagnoses and fixes in one click.
    wizard.enter_settings_myself()
    server = wizard.page_of(PageId.SERVER)
    assert isinstance(server, ServerPage)
    await wait_for(lambda: on(PageId.SERVER), "the server page")
    server.security.setCurrentIndex(server.security.findData(Security.TLS.value))
    await shoot(wizard, folder, "03-server")
    wizard.next()

    signin = wizard.page_of(PageId.SIGN_IN)
    assert isinstance(signin, SignInPage)
    await wait_for(lambda: on(PageId.SIGN_IN) and not signin.keychain.running, "the keychain")
    await shoot(wizard, folder, "04-sign-in")
    wizard.next()

    await wait_for(lambda: on(PageId.TEST) and not test.runner.running, "the first test", 40)
    result = test.state.last_result
    assert result is not None and result.diagnosis.code == "wrong_security", (
        f"expected the wrong-encryption diagnosis, got {result and result.diagnosis.code}"
    )
    await shoot(wizard, folder, "05-test-diagnosis")
    test.card.apply.click()
    await wait_for(
        lambda: not test.runner.running and test.state.last_result is not None,
        "the second test",
        40,
    )
    assert test.isComplete(), f"the fixed test did not pass: {test.state.last_result}"
    await wait_for(lambda: not test.saver.running, "saving the password", 15)
    wizard.next()
    await wait_for(lambda: on(PageId.DONE), "the last page")
