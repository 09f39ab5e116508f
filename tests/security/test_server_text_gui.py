"""Markup from a server or a DNS answer is shown as typed in the wizard, never rendered.

QLabel's default Qt.AutoText renders anything that looks like a tag as rich text (a greeting
with "<h1 style=color:red>" became a big red heading in the step list), and tooltips guess the
same way. The wizard is driven like a person against a scripted server (real STARTTLS) whose
greeting and AUTH reply carry markup, and through discovery to an SRV record whose target name
does; afterwards every label and tooltip of the application that holds the markup must show
it literally.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("PySide6")
import trustme
from PySide6.QtGui import (
    Qt,  # QtGui's Qt namespace also has mightBeRichText
    QTextDocument,
)
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from smtpwizard.core.settings import Security
from smtpwizard.ui.page_ids import PageId
from smtpwizard.ui.state import WizardState
from smtpwizard.ui.wizard import SetupWizard
from tests.discovery.servers import DnsServer, Zone
from tests.gui import conftest as gui_fixtures
from tests.gui.flows import fill_email, fill_server, fill_sign_in, wait_for_test

from .scripted_smtp import Script, scripted

_session_qloop = gui_fixtures._session_qloop
qloop = gui_fixtures.qloop
isolated_config = gui_fixtures.isolated_config

HOST = "127.0.10.2"
MARKUP = "<h1 style=color:red>BIG</h1>"


@pytest.fixture(scope="module")
def tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(HOST).configure_cert(context)
    return context


@pytest.fixture
def wizard(qtbot, qloop, isolated_config, ca_file: Path) -> Iterator[SetupWizard]:  # type: ignore[no-untyped-def]
    wiz = SetupWizard(WizardState(ca_file=str(ca_file)))
    qtbot.addWidget(wiz)
    wiz.show()
    yield wiz
    wiz.stop_everything()


def rendered_as_markup(text: str, rich: bool) -> bool:
    """Whether Qt turns this text's tags into formatting (so "BIG" shows but "<h1" does not)."""
    if not rich:
        return False
    document = QTextDocument()
    document.setHtml(text)
    return "<h1" not in document.toPlainText()


def markup_problems() -> list[str]:
    """Every label or tooltip in the application whose "<h1" markup Qt would render."""
    problems = []
    widgets: list[QWidget] = list(QApplication.allWidgets())
    for widget in widgets:
        if isinstance(widget, QLabel) and "<h1" in widget.text():
            fmt = widget.textFormat()
            rich = fmt == Qt.TextFormat.RichText or (
                fmt == Qt.TextFormat.AutoText and Qt.mightBeRichText(widget.text())
            )
            if rendered_as_markup(widget.text(), rich):
                problems.append(f"label {widget.text()[:80]!r}")
        tip = widget.toolTip()
        if "<h1" in tip and rendered_as_markup(tip, Qt.mightBeRichText(tip)):
            problems.append(f"tooltip {tip[:80]!r}")
    return problems


def shown_literally() -> list[str]:
    return [w.text() for w in QApplication.allWidgets() if isinstance(w, QLabel)
            and "<h1" in w.text()]  # fmt: skip


def test_markup_in_replies_is_shown_as_typed(qtbot, wizard, tls) -> None:  # type: ignore[no-untyped-def]
    script = Script(
        greeting=f"220 {MARKUP} ESMTP".encode(),
        auth=f"535 5.7.8 {MARKUP} no".encode(),
    )
    with scripted(script, tls, HOST) as server:
        fill_email(qtbot, wizard, "anna@markup.test", manual=True)
        fill_server(qtbot, wizard, HOST, server.port, Security.STARTTLS)
        fill_sign_in(qtbot, wizard, "anna@markup.test", "pw-markup", send_to=None)
        _page, result = wait_for_test(qtbot, wizard)
    assert result.diagnosis.code == "auth_failed"
    assert MARKUP in result.diagnosis.explanation
    assert len(shown_literally()) >= 2  # the greeting in the step list, the reply in the card
    assert markup_problems() == []


def test_markup_in_an_srv_target_is_shown_as_typed(qtbot, wizard) -> None:  # type: ignore[no-untyped-def]
    from smtpwizard.core.discovery import DiscoveryOptions, SourceKind
    from smtpwizard.core.settings import ResolverConfig

    zone = Zone()
    target = "<h1>big</h1>.markup.test"
    zone.add("_submission._tcp.markup.test", "SRV", f"0 0 587 {target}.")
    with DnsServer(zone) as dns:
        wizard.state.discovery_options = DiscoveryOptions(
            dns_server=dns.address, sources=frozenset({SourceKind.SRV}), timeout=5.0
        )
        wizard.state.resolver = ResolverConfig(dns_server=dns.address)
        fill_email(qtbot, wizard, "anna@markup.test", manual=False)
        page = wizard.page_of(PageId.FINDING)
        qtbot.waitUntil(
            lambda: wizard.currentId() == PageId.FINDING and page.outcome is not None,
            timeout=20000,
        )
        qtbot.waitUntil(lambda: not page.followup.running, timeout=20000)
    assert any(target in text for text in shown_literally())
    assert markup_problems() == []
