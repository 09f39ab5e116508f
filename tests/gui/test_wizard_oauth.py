"""The wizard's "Sign in with ..." against the real OpenID provider and Dovecot of tests/oauth:
the button opens the provider's page (a test person walks it), the box tells what happens and
can be cancelled, and the Test page signs in to Dovecot with the token."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading

import httpx
import pytest
from PySide6.QtCore import Qt

from smtpwizard.core import oauth
from smtpwizard.core.settings import Security
from smtpwizard.ui.page_ids import PageId
from smtpwizard.ui.widgets.oauth_box import remember_client_id, remembered_client_ids
from tests.lab.helpers import our_tcp_sockets
from tests.oauth.conftest import certs, dovecot, provider, relay  # noqa: F401 (fixtures)
from tests.oauth.provider import CLIENT_ID, Browser

from .flows import fill_email, fill_server, wait_for_test

pytestmark = pytest.mark.timeout(90)
ALICE = "alice@example.test"


def preset_of(provider) -> oauth.OAuthConfig:  # noqa: F811
    coro = oauth.discover_config(
        provider.issuer,
        CLIENT_ID,
        scopes=("openid", "offline_access", "SMTP.Send"),
        ca_file=provider.ca_file,
    )
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # the Qt loop owns this thread
        return pool.submit(asyncio.run, coro).result(30)


def _to_sign_in(qtbot, wizard, dovecot, preset):  # noqa: F811
    wizard.state.oauth_preset = preset
    wizard.state.ca_file = preset.ca_file  # Dovecot's certificate is from the same test CA
    fill_email(qtbot, wizard, ALICE, manual=True)
    fill_server(qtbot, wizard, dovecot[0], dovecot[1], Security.STARTTLS)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.SIGN_IN)
    page = wizard.page_of(PageId.SIGN_IN)
    qtbot.waitUntil(lambda: not page.keychain.running, timeout=15000)
    page.send_test.setChecked(False)
    return page


def person_at_the_browser(
    provider,  # noqa: F811 (the running provider, not the fixture)
    opened: list[str] | None = None,
    returned: list[str] | None = None,
):
    """What the system browser and the person do with the sign-in page the wizard opens: walk
    the provider's real login and consent pages, then follow the redirect back to the wizard.
    Records the page opened and the loopback address returned to."""

    def open_url(url: str) -> None:
        def walk() -> None:
            browser = Browser(provider.ca_file, ALICE)
            try:
                target = browser.open(url)
                if opened is not None:
                    opened.append(url)
                if returned is not None:
                    returned.append(target)
                httpx.get(target, timeout=10)
            finally:
                browser.close()

        threading.Thread(target=walk, daemon=True).start()

    return open_url


def test_sign_in_with_the_provider_then_test(qtbot, wizard, provider, dovecot, isolated_config):  # noqa: F811
    page = _to_sign_in(qtbot, wizard, dovecot, preset_of(provider))
    box = page.oauth
    assert box.isVisible() and box.sign_in_button.text() == "Sign in with 127.0.14.1"
    assert not box.client_id.isVisible()  # the preset brings its own client ID
    walked: list[str] = []
    box.open_url = person_at_the_browser(provider, returned=walked)
    # Without signing in (and no app password) the page does not go on.
    wizard.next()
    assert wizard.currentId() == PageId.SIGN_IN and "sign in with the button" in page.error.text()
    qtbot.mouseClick(box.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.state.oauth is not None, timeout=30000)
    assert walked and walked[0].startswith("http://127.0.0.1:")
    assert "Signed in as alice@example.test" in box.status.text()
    page.grab().save(str(isolated_config.parent / "signed-in.png"))

    wizard.next()
    _, result = wait_for_test(qtbot, wizard)
    assert result.ok, result.diagnosis
    auth = next(s for s in result.steps if s.name.value == "auth")
    assert "OAUTHBEARER" in auth.detail
    token = wizard.state.oauth.tokens.access_token
    assert all(token not in line for line in result.transcript)

    # The exports on the last page sign in with OAuth2 too, and hold no token.
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.DONE)
    panel = wizard.page_of(PageId.DONE)._exports
    panel.select("msmtp")
    text = panel.preview.toPlainText()
    assert "auth oauthbearer" in text and "smtpwizard oauth token --user alice@example.test" in text
    panel.select("django")
    assert "cannot sign in with OAuth2" in panel.problem.text()
    written = [p for p in isolated_config.rglob("*") if p.is_file()]
    assert written  # the profile the wizard saved, at least
    for path in written:
        text = path.read_text(errors="replace")
        assert token not in text and (wizard.state.oauth.tokens.refresh_token or "?") not in text


def _listening(port: int) -> bool:
    """Whether we listen on that port, as the kernel's table says. A connect would ask too, but
    a listener that is closing may still accept it, and the connection it accepted is then left
    to garbage collection (see core/oauth/loopback.py's close())."""
    return any(s.local[1] == port and s.state == "0A" for s in our_tcp_sockets())


def test_the_wait_for_the_browser_can_be_cancelled(qtbot, wizard, provider, dovecot):  # noqa: F811
    page = _to_sign_in(qtbot, wizard, dovecot, preset_of(provider))
    box = page.oauth
    opened: list[str] = []
    box.open_url = opened.append  # the person never comes back
    qtbot.mouseClick(box.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(opened) and box.cancel_button.isVisible())
    assert "Your browser is open" in box.status.text()
    assert not box.sign_in_button.isEnabled()
    redirect = httpx.URL(httpx.URL(opened[0]).params["redirect_uri"])
    qtbot.mouseClick(box.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not box.cancel_button.isVisible())
    assert "cancelled" in box.status.text() and box.sign_in_button.isEnabled()
    assert wizard.state.oauth is None

    qtbot.waitUntil(lambda: not _listening(redirect.port), timeout=5000)  # gone with the wait


def test_microsoft_asks_for_the_client_id_and_explains_it(qtbot, wizard, isolated_config):
    fill_email(qtbot, wizard, "anna@contoso.com", manual=True)
    fill_server(qtbot, wizard, "smtp.office365.com", 587, Security.STARTTLS)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.SIGN_IN)
    page = wizard.page_of(PageId.SIGN_IN)
    box = page.oauth
    assert box.isVisible() and box.sign_in_button.text() == "Sign in with Microsoft"
    assert box.client_id.isVisible() and not box.client_secret.isVisible()
    qtbot.mouseClick(box.sign_in_button, Qt.MouseButton.LeftButton)
    assert "client ID is needed" in box.error.text()  # nothing opened without one
    qtbot.mouseClick(box.guide_button, Qt.MouseButton.LeftButton)
    assert box.guide.isVisible() and "entra.microsoft.com" in box.guide.text()
    # Entered once per provider: a client ID that worked before is filled in next time.
    remember_client_id("microsoft", "11111111-2222-3333-4444-555555555555")
    assert remembered_client_ids() == {"microsoft": "11111111-2222-3333-4444-555555555555"}
    assert "oauth_client_ids" in (isolated_config / "app-state.json").read_text()
    box.client_id.clear()
    box.configure(oauth.MICROSOFT, None)
    assert box.client_id.text() == "11111111-2222-3333-4444-555555555555"
