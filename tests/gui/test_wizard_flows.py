"""The whole wizard, end to end, driven like a person would, against real lab servers."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from smtpwizard.core.settings import Security
from smtpwizard.ui.page_ids import PageId

from .flows import (
    fill_email,
    fill_server,
    fill_sign_in,
    silent_domain,
    srv_only_domain,
    wait_for_test,
)


def test_success_path_saves_a_profile_without_the_password(qtbot, wizard, lab, isolated_config):
    ep = lab.start("starttls_ok")
    fill_email(qtbot, wizard, ep.username, manual=True)
    fill_server(qtbot, wizard, ep.host, ep.port, Security.STARTTLS)
    fill_sign_in(qtbot, wizard, ep.username, ep.password, send_to="bob@lab.test")
    page, result = wait_for_test(qtbot, wizard)
    assert result.ok, result.diagnosis
    assert page.isComplete()
    assert ep.wait_messages(1)
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.DONE)
    files = list((isolated_config / "profiles").glob("*.json"))
    assert len(files) == 1
    text = files[0].read_text()
    assert ep.password not in text
    saved = json.loads(text)
    assert saved["server"]["port"] == ep.port and saved["server"]["host"] == ep.host
    for path in isolated_config.rglob("*"):
        if path.is_file():
            assert ep.password not in path.read_text(errors="replace"), path


def test_wrong_security_is_fixed_with_one_click(qtbot, wizard, lab):
    ep = lab.start("tls_ok")
    fill_email(qtbot, wizard, ep.username, manual=True)
    fill_server(qtbot, wizard, ep.host, ep.port, Security.STARTTLS)
    fill_sign_in(qtbot, wizard, ep.username, ep.password, send_to=None)
    page, result = wait_for_test(qtbot, wizard)
    assert result.diagnosis.code == "wrong_security"
    assert page.card.isVisible() and page.card.apply.isVisible()
    assert "SSL/TLS" in page.card.apply.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    qtbot.mouseClick(page.card.apply, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: page.state.last_result is not None and not page.runner.running, timeout=20000
    )
    assert page.state.last_result.ok, page.state.last_result.diagnosis
    assert page.state.settings.security is Security.TLS
    assert ep.auth_attempts and all(a.encrypted for a in ep.auth_attempts)


def test_certificate_trust_needs_an_explicit_choice(qtbot, wizard, lab, isolated_config):
    ep = lab.start("self_signed")
    fill_email(qtbot, wizard, ep.username, manual=True)
    fill_server(qtbot, wizard, ep.host, ep.port, Security.STARTTLS)
    fill_sign_in(qtbot, wizard, ep.username, ep.password, send_to=None)
    page, result = wait_for_test(qtbot, wizard)
    assert result.diagnosis.code == "cert_untrusted"
    box = page.card.certificate
    assert box.isVisible()
    shown = box.fingerprint.text().replace(":", "").replace("\n", "").lower()
    assert shown == ep.fingerprint
    assert not page.card.apply.isVisible()  # no silent one-click trust
    assert not box.trust.isEnabled()
    assert ep.auth_attempts == []
    box.confirm.setChecked(True)
    qtbot.mouseClick(box.trust, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: page.state.last_result is not None and not page.runner.running, timeout=20000
    )
    assert page.state.last_result.ok, page.state.last_result.diagnosis
    assert page.state.settings.trusted_fingerprint == ep.fingerprint
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.DONE)
    saved = json.loads(next((isolated_config / "profiles").glob("*.json")).read_text())
    assert saved["server"]["trusted_fingerprint"] == ep.fingerprint


def test_cancel_while_the_port_is_silent(qtbot, wizard, lab):
    ep = lab.start("silent")
    fill_email(qtbot, wizard, "anna@lab.test", manual=True)
    fill_server(qtbot, wizard, ep.host, ep.port, Security.STARTTLS)
    fill_sign_in(qtbot, wizard, "anna@lab.test", "pw", send_to=None)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.TEST)
    page = wizard.page_of(PageId.TEST)
    qtbot.waitUntil(lambda: ep.connections >= 1, timeout=5000)
    assert page.runner.running and page.cancel.isEnabled()
    qtbot.mouseClick(page.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.runner.running, timeout=1000)
    assert "Stopped" in page.elapsed.text()
    assert page.again.isEnabled()
    # The connection closes within a second (the loop must run for that: no blocking wait).
    qtbot.waitUntil(lambda: ep.active_connections == 0, timeout=1000)


def test_back_stops_a_running_test(qtbot, wizard, lab):
    ep = lab.start("silent")
    fill_email(qtbot, wizard, "anna@lab.test", manual=True)
    fill_server(qtbot, wizard, ep.host, ep.port, Security.STARTTLS)
    fill_sign_in(qtbot, wizard, "anna@lab.test", "pw", send_to=None)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.TEST)
    page = wizard.page_of(PageId.TEST)
    qtbot.waitUntil(lambda: ep.connections >= 1, timeout=5000)
    wizard.back()
    qtbot.waitUntil(lambda: not page.runner.running, timeout=1000)
    qtbot.waitUntil(lambda: ep.active_connections == 0, timeout=1000)


def test_try_the_alternatives_finds_the_working_port(qtbot, wizard, lab):
    good = lab.start("tls_ok", host="127.0.0.3")
    closed = lab.start("closed", host="127.0.0.3")
    fill_email(qtbot, wizard, good.username, manual=True)
    fill_server(qtbot, wizard, closed.host, closed.port, Security.STARTTLS)
    fill_sign_in(qtbot, wizard, good.username, good.password, send_to=None)
    page, result = wait_for_test(qtbot, wizard)
    assert result.diagnosis.code == "connection_refused"
    assert page.card.alternatives.isVisible()
    # The lab cannot bind 587/465/2525 here: map the seed's ports onto lab ports.
    page.state.alternative_ports = ((closed.port, Security.STARTTLS), (good.port, Security.TLS))
    qtbot.mouseClick(page.card.alternatives, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: page.state.last_result is not None and not page.runner.running, timeout=30000
    )
    assert page.state.last_result.ok, page.state.last_result.diagnosis
    assert (page.state.settings.port, page.state.settings.security) == (good.port, Security.TLS)


def test_when_no_alternative_works_the_card_says_what_was_tried(qtbot, wizard, lab):
    closed = lab.start("closed", host="127.0.0.4")
    silent = lab.start("silent", host="127.0.0.4")
    fill_email(qtbot, wizard, "anna@lab.test", manual=True)
    fill_server(qtbot, wizard, closed.host, closed.port, Security.STARTTLS)
    fill_sign_in(qtbot, wizard, "anna@lab.test", "pw", send_to=None)
    page, result = wait_for_test(qtbot, wizard)
    assert result.diagnosis.code == "connection_refused"
    page.state.alternative_ports = ((closed.port, Security.STARTTLS), (silent.port, Security.TLS))
    page.state.last_result = None
    qtbot.mouseClick(page.card.alternatives, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.runner.running and page.card.isVisible(), timeout=30000)
    assert page.card.title.text().endswith("None of the usual ports worked")
    assert f"Port {closed.port}" in page.card.explanation.text()
    assert f"Port {silent.port}" in page.card.explanation.text()
    assert not page.isComplete()
    assert silent.auth_attempts == [] and closed.auth_attempts == []


def test_settings_from_an_untrusted_source_must_be_confirmed(qtbot, wizard, lab):
    ep = lab.start("starttls_ok")
    with srv_only_domain(wizard, ep) as address:
        fill_email(qtbot, wizard, address, manual=False)
        page = wizard.page_of(PageId.FINDING)
        qtbot.waitUntil(
            lambda: wizard.currentId() == PageId.FINDING and page.outcome is not None,
            timeout=20000,
        )
        outcome = page.outcome
        assert outcome.settings is not None
        assert (outcome.settings.host, outcome.settings.port) == ("localhost", ep.port)
        assert outcome.verified and not outcome.trusted
        assert "DNS (SRV)" in page.result.text()
        assert page.confirm.isVisible() and not page.isComplete()
        # localhost is not in srvonly.test: the confirmation names both (issue 10).
        assert "srvonly.test" in page.confirm.text() and "localhost" in page.confirm.text()
        assert "Warning: localhost belongs to" in page.result.text()
        assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
        page.confirm.setChecked(True)
        assert page.isComplete()
        wizard.next()
        # Confirmed and no password typed yet: the Sign-in page asks for it.
        qtbot.waitUntil(lambda: wizard.currentId() == PageId.SIGN_IN)
        assert wizard.state.settings.host == "localhost"
    assert ep.auth_attempts == []


def test_the_search_can_be_stopped_and_the_settings_entered_by_hand(qtbot, wizard, lab):
    with silent_domain(wizard) as address:
        fill_email(qtbot, wizard, address, manual=False)
        page = wizard.page_of(PageId.FINDING)
        qtbot.waitUntil(lambda: wizard.currentId() == PageId.FINDING and page.runner.running)
        assert page.stop.isEnabled()
        qtbot.mouseClick(page.stop, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not page.runner.running, timeout=1000)
        assert "stopped" in page.result.text()
        assert page.isComplete()
        wizard.next()
        qtbot.waitUntil(lambda: wizard.currentId() == PageId.SERVER)


def test_pages_built_after_the_first_paint_work_like_the_others(qtbot, qloop, lab):
    from smtpwizard.ui.state import WizardState
    from smtpwizard.ui.wizard import SetupWizard

    ep = lab.start("starttls_ok")
    wiz = SetupWizard(WizardState(ca_file=str(lab.ca_file)), later_pages_after_show=True)
    qtbot.addWidget(wiz)
    wiz.show()
    assert set(wiz.pages) == {PageId.EMAIL}  # what run_gui paints first
    wiz.add_later_pages()
    assert set(wiz.pages) == set(PageId)
    assert wiz.button(QWizard.WizardButton.NextButton).isVisible()
    fill_email(qtbot, wiz, ep.username, manual=True)
    fill_server(qtbot, wiz, ep.host, ep.port, Security.STARTTLS)
    fill_sign_in(qtbot, wiz, ep.username, ep.password, send_to=None)
    _, result = wait_for_test(qtbot, wiz)
    assert result.ok, result.diagnosis
