"""Steps a person takes in the wizard, as functions the GUI tests share."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from smtpwizard.core.settings import Security
from smtpwizard.ui.page_ids import PageId


def fill_email(qtbot, wizard, email: str, *, manual: bool, password: str = "") -> None:
    """The first page as typed; then Enter (the short way) or "Enter settings myself"."""
    page = wizard.page_of(PageId.EMAIL)
    page.name.clear()
    qtbot.keyClicks(page.name, "Anna Lab")
    page.email.clear()
    qtbot.keyClicks(page.email, email)
    page.password.edit.clear()
    if password:
        qtbot.keyClicks(page.password.edit, password)
    if manual:
        click_enter_settings_myself(qtbot, wizard)
    else:
        qtbot.keyClick(page.email, Qt.Key.Key_Return)


def click_enter_settings_myself(qtbot, wizard) -> None:
    button = wizard.button(QWizard.WizardButton.CustomButton1)
    assert button.isVisible() and button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def fill_server(qtbot, wizard, host: str, port: int, security: Security) -> None:
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.SERVER)
    page = wizard.page_of(PageId.SERVER)
    page.host.clear()
    qtbot.keyClicks(page.host, host)
    page.port.setValue(port)
    page.security.setCurrentIndex(page.security.findData(security.value))
    wizard.next()


def fill_sign_in(qtbot, wizard, username: str, password: str, *, send_to: str | None) -> None:
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.SIGN_IN)
    page = wizard.page_of(PageId.SIGN_IN)
    qtbot.waitUntil(lambda: not page.keychain.running, timeout=15000)
    page.username.clear()
    qtbot.keyClicks(page.username, username)
    page.password.edit.clear()
    qtbot.keyClicks(page.password.edit, password)
    page.send_test.setChecked(send_to is not None)
    if send_to:
        page.send_to.clear()
        qtbot.keyClicks(page.send_to, send_to)
    wizard.next()


def wait_for_test(qtbot, wizard, timeout: int = 30000):
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.TEST)
    page = wizard.page_of(PageId.TEST)
    qtbot.waitUntil(
        lambda: not page.runner.running and page.state.last_result is not None, timeout=timeout
    )
    return page, page.state.last_result


def run_manual_test(qtbot, wizard, host: str, port: int, username: str, password: str):
    """The manual way to the Test page (no test message); returns (page, result)."""
    fill_email(qtbot, wizard, username, manual=True)
    fill_server(qtbot, wizard, host, port, Security.STARTTLS)
    fill_sign_in(qtbot, wizard, username, password, send_to=None)
    return wait_for_test(qtbot, wizard)


@contextlib.contextmanager
def srv_only_domain(wizard, ep) -> Iterator[str]:
    """A domain whose only record is an SRV pointing at ep (an untrusted source); its address."""
    from smtpwizard.core.discovery import DiscoveryOptions, SourceKind
    from smtpwizard.core.settings import ResolverConfig
    from tests.discovery.servers import DnsServer, Zone

    zone = Zone()
    zone.add("_submission._tcp.srvonly.test", "SRV", f"0 0 {ep.port} localhost.")
    zone.add("localhost", "A", ep.host)
    with DnsServer(zone) as dns:
        wizard.state.discovery_options = DiscoveryOptions(
            dns_server=dns.address,
            sources=frozenset({SourceKind.PROVIDER_TABLE, SourceKind.SRV}),
            timeout=5.0,
        )
        wizard.state.resolver = ResolverConfig(dns_server=dns.address)
        yield "anna@srvonly.test"


@contextlib.contextmanager
def silent_domain(wizard) -> Iterator[str]:
    """A domain whose DNS answers never come: the search runs until it is stopped."""
    from smtpwizard.core.discovery import DiscoveryOptions, SourceKind
    from tests.discovery.servers import DnsServer, Zone

    zone = Zone()
    zone.silent.add("_submission._tcp.slow.test")
    zone.silent.add("_submissions._tcp.slow.test")
    with DnsServer(zone) as dns:
        wizard.state.discovery_options = DiscoveryOptions(
            dns_server=dns.address,
            sources=frozenset({SourceKind.SRV}),
            timeout=30.0,
            dns_timeout=25.0,
        )
        yield "anna@slow.test"
