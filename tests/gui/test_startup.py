"""Start-up: the first page opens without the engine, the other pages follow by themselves, and
the engine loads once the first page holds something (bench/startup.py has the timings)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QWizard

from smtpwizard.ui.page_ids import PageId
from smtpwizard.ui.state import WizardState
from smtpwizard.ui.wizard import SetupWizard

from .flows import fill_email

ROOT = Path(__file__).resolve().parents[2]

# The real run_gui(); it reports which modules are loaded at three moments, then presses Escape.
CHILD = """
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from smtpwizard.ui import warmup, wizard as wizard_module
from smtpwizard.ui.page_ids import PageId

HEAVY = ("asyncio", "ssl", "qasync", "httpx", "h11", "dns.resolver", "aiosmtplib", "keyring",
         "smtpwizard.core.check", "smtpwizard.core.discovery", "smtpwizard.core.probe",
         "smtpwizard.core.exporters.registry", "smtpwizard.core.oauth",
         # not heavy in time but in memory (bench/startup.py's idle RSS): OpenSSL's libcrypto,
         # the IDNA tables, the HTML entity table
         "hashlib", "idna", "html.entities")
seen = {}

def loaded():
    return sorted(name for name in HEAVY if name in sys.modules)

def step(wizard):
    if "painted" not in seen:
        seen["painted"] = loaded()
    if set(wizard.pages) != set(PageId):
        return
    if "idle" not in seen:
        seen["idle"] = loaded()
        seen["icon"] = not QApplication.windowIcon().isNull()
        seen["focus"] = wizard.focusWidget() is wizard.page_of(PageId.EMAIL).name
        wizard.page_of(PageId.EMAIL).email.setText("anna@example.test")
        return
    warmup.settle()
    seen["typed"] = loaded()
    seen["page"] = int(wizard.currentId())
    print(json.dumps(seen), flush=True)
    wizard.reject()  # what Escape does

original = wizard_module.SetupWizard.__init__
def init(self, *args, **kwargs):
    original(self, *args, **kwargs)
    self._test_timer = QTimer(self)
    self._test_timer.timeout.connect(lambda: step(self))
    self._test_timer.start(20)
wizard_module.SetupWizard.__init__ = init
from smtpwizard.ui.app import run_gui
sys.exit(run_gui())
"""


def test_the_first_page_opens_without_the_engine_which_loads_once_it_is_typed_into(tmp_path):
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "SMTPWIZARD_CONFIG_DIR": str(tmp_path / "config"),
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60, env=env
    )
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["painted"] == [], "loaded before the first paint"
    assert seen["idle"] == [], "loaded while the window waits untouched"
    assert seen["icon"], "the window icon is set once the window is up"
    assert seen["focus"], "the cursor waits in the first field (Your name)"
    engine = {"asyncio", "ssl", "h11", "aiosmtplib"}
    engine |= {"smtpwizard.core.check", "smtpwizard.core.discovery", "smtpwizard.core.probe"}
    assert engine <= set(seen["typed"]), seen["typed"]
    assert "dns.resolver" not in seen["typed"]  # discovery asks DNS with core/net/dnsclient
    assert "httpx" not in seen["typed"]  # and fetches with core/net/http1 (httpx: OAuth only)
    # What only later pages need stays out until they are shown; qasync until a task runs.
    assert not {"qasync", "keyring", "smtpwizard.core.oauth"} & set(seen["typed"])
    assert seen["page"] == PageId.EMAIL


def test_pressing_on_before_the_later_pages_exist_builds_them_first(qtbot, qloop, isolated_config):
    wiz = SetupWizard(WizardState(), later_pages_after_show=True)
    qtbot.addWidget(wiz)
    wiz.show()
    assert set(wiz.pages) == {PageId.EMAIL}
    fill_email(qtbot, wiz, "anna@example.test", manual=True)  # Next at once
    qtbot.waitUntil(lambda: wiz.currentId() == PageId.SERVER)
    assert set(wiz.pages) == set(PageId)
    wiz.back()
    qtbot.waitUntil(lambda: wiz.currentId() == PageId.EMAIL)
    assert wiz.button(QWizard.WizardButton.NextButton).isVisible()


def test_the_later_pages_build_themselves_after_the_first_paint(qtbot, qloop, isolated_config):
    wiz = SetupWizard(WizardState(), later_pages_after_show=True)
    qtbot.addWidget(wiz)
    wiz.add_later_pages_soon()
    wiz.show()
    qtbot.waitUntil(lambda: set(wiz.pages) == set(PageId))
    assert wiz.page_of(PageId.DONE) is wiz.page(int(PageId.DONE))
