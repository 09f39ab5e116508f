""" "Sign in with ..." for an identity provider that discovery found (an ISPDB or autoconfig
<oAuth2> block), against the real OpenID provider and Dovecot of tests/oauth: the sign-in page
names the provider's host before the browser opens, asks for consent naming both domains when a
lower-trust document sent us outside the address's organisation, remembers the client ID per
issuer, and the saved profile then records OAuth2."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt

from smtpwizard.core import oauth
from smtpwizard.core.discovery import Candidate, SourceKind
from smtpwizard.core.discovery.clientconfig import OAuth2Block
from smtpwizard.core.settings import Security
from smtpwizard.ui.page_ids import PageId
from smtpwizard.ui.widgets.oauth_box import remembered_client_ids
from tests.oauth.conftest import certs, dovecot, provider, relay  # noqa: F401 (fixtures)
from tests.oauth.provider import CLIENT_ID, Browser

from .flows import fill_email, fill_server, wait_for_test
from .test_wizard_oauth import person_at_the_browser, preset_of

pytestmark = pytest.mark.timeout(90)
ALICE = "alice@example.test"
SHOTS = os.environ.get("SMTPWIZARD_OAUTH_SHOTS")  # a folder: also save the page as PNG


def _offer(provider, dovecot, source: SourceKind, *, issuer_only: bool = False):  # noqa: F811
    config = preset_of(provider)
    block = OAuth2Block(
        provider.issuer,
        ("SMTP.Send", "offline_access"),
        None if issuer_only else config.authorization_endpoint,
        None if issuer_only else config.token_endpoint,
    )
    candidate = Candidate(
        dovecot[0], dovecot[1], Security.STARTTLS, ALICE, source, source.trusted, 0, oauth2=block
    )
    return oauth.discovered_sign_in(candidate, ALICE)


def _to_sign_in(qtbot, wizard, dovecot, offer, provider):  # noqa: F811
    wizard.state.ca_file = provider.ca_file  # Dovecot's certificate is from the same test CA
    fill_email(qtbot, wizard, ALICE, manual=True)
    wizard.state.oauth_offer = offer  # as the Finding page leaves it for a discovered server
    fill_server(qtbot, wizard, dovecot[0], dovecot[1], Security.STARTTLS)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.SIGN_IN)
    page = wizard.page_of(PageId.SIGN_IN)
    qtbot.waitUntil(lambda: not page.keychain.running, timeout=15000)
    page.send_test.setChecked(False)
    return page


def _shot(qtbot, page, name: str) -> None:
    if SHOTS:
        qtbot.wait(200)  # the layout settles first
        page.wizard().grab().save(str(Path(SHOTS) / f"{name}.png"))


def test_an_autoconfig_provider_elsewhere_needs_consent(
    qtbot,
    wizard,
    provider,  # noqa: F811
    dovecot,  # noqa: F811
    isolated_config,
) -> None:
    offer = _offer(provider, dovecot, SourceKind.AUTOCONFIG)
    assert offer.needs_confirmation and offer.stranger is not None
    page = _to_sign_in(qtbot, wizard, dovecot, offer, provider)
    box = page.oauth
    assert box.isVisible() and box.sign_in_button.text() == "Sign in with 127.0.14.1"
    # The host, plainly, before anything opens; the consent names both sides.
    assert "Your browser will open 127.0.14.1" in box.where.text()
    assert "published by your email domain" in box.where.text()
    assert box.warning.isVisible() and "is not part of example.test" in box.warning.text()
    assert box.trust.isVisible() and "127.0.14.1 runs the sign-in for example.test" in (
        box.trust.text()
    )
    assert not box.sign_in_button.isEnabled()  # nothing opens before the consent
    assert box.client_id.isVisible() and box.client_secret.isVisible()
    qtbot.mouseClick(box.guide_button, Qt.MouseButton.LeftButton)
    assert "http://127.0.0.1" in box.guide.text() and "SMTP.Send" in box.guide.text()
    qtbot.mouseClick(box.guide_button, Qt.MouseButton.LeftButton)
    _shot(qtbot, page, "signin-discovered")
    # Return in a field is the wizard's Next: it opens nothing and says what is missing.
    walked: list[str] = []
    box.open_url = person_at_the_browser(provider, opened=walked)
    box.client_id.setFocus()
    qtbot.keyClick(box.client_id, Qt.Key.Key_Return)
    assert wizard.currentId() == PageId.SIGN_IN and "sign in with the button" in page.error.text()
    assert not walked and not box.runner.running
    # Tab order: client ID, secret, the consent, then the button.
    box.client_id.setFocus()
    qtbot.keyClicks(box.client_id, CLIENT_ID)
    qtbot.keyClick(box.client_id, Qt.Key.Key_Tab)
    assert box.client_secret.hasFocus()
    qtbot.keyClick(box.client_secret, Qt.Key.Key_Tab)
    assert box.trust.hasFocus()
    qtbot.keyClick(box.trust, Qt.Key.Key_Space)
    assert box.trust.isChecked() and box.sign_in_button.isEnabled()
    qtbot.keyClick(box.trust, Qt.Key.Key_Tab)
    assert box.sign_in_button.hasFocus()
    qtbot.keyClick(box.sign_in_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: wizard.state.oauth is not None, timeout=30000)
    assert httpx.URL(walked[0]).host == "127.0.14.1"
    assert "Signed in as alice@example.test with 127.0.14.1" in box.status.text()
    qtbot.waitUntil(lambda: offer.key in remembered_client_ids(), timeout=5000)
    assert remembered_client_ids()[offer.key] == CLIENT_ID  # entered once per issuer

    wizard.next()
    _, result = wait_for_test(qtbot, wizard)
    assert result.ok, result.diagnosis
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.DONE)
    saved = json.loads(Path(wizard.state.saved_profile).read_text("utf-8"))
    assert saved["sign_in"] == {
        "method": "oauth2",
        "provider": None,
        "issuer": provider.issuer,
        "client_id": CLIENT_ID,
        "scopes": ["SMTP.Send", "offline_access"],
    }


def test_an_ispdb_issuer_is_found_by_openid_discovery(
    qtbot,
    wizard,
    provider,  # noqa: F811
    dovecot,  # noqa: F811
) -> None:
    offer = _offer(provider, dovecot, SourceKind.ISPDB, issuer_only=True)
    assert offer.needs_discovery and not offer.needs_confirmation
    page = _to_sign_in(qtbot, wizard, dovecot, offer, provider)
    box = page.oauth
    assert "come from Thunderbird's database" in box.where.text()
    assert not box.trust.isVisible() and not box.warning.isVisible()
    assert box.sign_in_button.isEnabled()
    qtbot.mouseClick(box.sign_in_button, Qt.MouseButton.LeftButton)
    assert "client ID is needed" in box.error.text()  # checked before anything is asked
    box.client_id.setText(CLIENT_ID)
    walked: list[str] = []
    box.open_url = person_at_the_browser(provider, opened=walked)
    qtbot.mouseClick(box.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.state.oauth is not None, timeout=30000)
    assert wizard.state.oauth.config.token_endpoint.startswith(provider.issuer)


def test_a_changed_server_loses_the_offer(qtbot, wizard, provider, dovecot) -> None:  # noqa: F811
    offer = _offer(provider, dovecot, SourceKind.ISPDB)
    wizard.state.ca_file = provider.ca_file
    fill_email(qtbot, wizard, ALICE, manual=True)
    wizard.state.oauth_offer = offer
    fill_server(qtbot, wizard, "127.0.0.1", dovecot[1], Security.STARTTLS)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.SIGN_IN)
    assert not wizard.page_of(PageId.SIGN_IN).oauth.isVisible()


def test_cancel_at_the_provider_is_said_in_the_box(qtbot, wizard, provider, dovecot) -> None:  # noqa: F811
    offer = _offer(provider, dovecot, SourceKind.ISPDB)
    page = _to_sign_in(qtbot, wizard, dovecot, offer, provider)
    box = page.oauth
    box.client_id.setText(CLIENT_ID)

    def person_who_declines(url: str) -> None:
        def walk() -> None:
            browser = Browser(provider.ca_file, ALICE, allow=False)  # Cancel on the consent page
            try:
                httpx.get(browser.open(url), timeout=10)
            finally:
                browser.close()

        threading.Thread(target=walk, daemon=True).start()

    box.open_url = person_who_declines
    qtbot.mouseClick(box.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(box.error.isVisible, timeout=30000)
    assert box.error.text().startswith("The sign-in was cancelled.")
    assert "allow the app to send email for you" in box.error.text()
    assert wizard.state.oauth is None and box.sign_in_button.isEnabled()


def test_the_finding_page_judges_the_chosen_candidates_block(wizard) -> None:
    from smtpwizard.ui.search import SearchOutcome

    block = OAuth2Block(None, ("smtp",), "https://id.example.test/a", "https://id.example.test/t")
    split = OAuth2Block(None, ("smtp",), "https://id.example.test/a", "https://grab.evil.test/t")
    wizard.add_later_pages()  # (built when first needed)
    page = wizard.page_of(PageId.FINDING)
    wizard.state.email = ALICE
    for oauth2, offered in ((block, True), (split, False), (None, False)):
        candidate = Candidate(
            "smtp.example.test", 587, Security.STARTTLS, ALICE, SourceKind.AUTOCONFIG, True, 0,
            oauth2=oauth2,
        )  # fmt: skip
        outcome = SearchOutcome(
            candidate.to_settings(),
            True,
            False,
            "published by your provider",
            "",
            candidate=candidate,
        )
        page._judge_oauth(outcome)
        offer = wizard.state.oauth_offer
        assert (offer is not None) is offered
        if offer is not None:
            assert offer.host == "id.example.test" and offer.smtp_host == "smtp.example.test"
            assert not offer.needs_confirmation  # the address's own organisation


@pytest.mark.keychain
def test_a_reopened_oauth2_profile_is_tested_with_the_kept_sign_in(
    qtbot,
    wizard,
    provider,  # noqa: F811
    dovecot,  # noqa: F811
) -> None:
    import asyncio
    import concurrent.futures

    from smtpwizard.core import credentials, profiles
    from smtpwizard.core.settings import Account, ServerSettings
    from tests.oauth.conftest import sign_in_with_browser

    config = preset_of(provider)

    async def sign_in_once() -> None:
        tokens = await sign_in_with_browser(config, ALICE)
        await oauth.save_sign_in(oauth.SignIn(ALICE, config, tokens))

    credentials.set_backend(None)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # the Qt loop owns this thread
        pool.submit(asyncio.run, sign_in_once()).result(60)
    profiles.save_profile(
        profiles.Profile(
            "Alice by OAuth2",
            ServerSettings(dovecot[0], dovecot[1], Security.STARTTLS, username=ALICE),
            Account(ALICE, "Alice"),
            profiles.CheckSummary.now(True),
            profiles.SignInMethod(True, None, config.issuer, CLIENT_ID, config.scopes),
        )
    )
    wizard.state.ca_file = provider.ca_file
    email = wizard.page_of(PageId.EMAIL)
    email.initializePage()  # lists the profile saved just now
    qtbot.waitUntil(lambda: email.saved_box.isVisible(), timeout=5000)
    try:
        qtbot.mouseClick(email.reopen, Qt.MouseButton.LeftButton)
        # Straight to the test with the kept sign-in: no password was asked or kept.
        qtbot.waitUntil(lambda: wizard.currentId() != PageId.EMAIL, timeout=15000)
        assert wizard.currentId() == PageId.TEST
        assert wizard.state.oauth is not None and wizard.state.password == ""
        _, result = wait_for_test(qtbot, wizard)
        assert result.ok, result.diagnosis
        assert "OAUTHBEARER" in next(s for s in result.steps if s.name.value == "auth").detail
    finally:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, oauth.sign_out(ALICE, revoke=False)).result(30)
