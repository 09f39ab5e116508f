"""The sign-in kept in a real Secret Service (scripts/with-keyring), renewed and revoked against
the real provider. Access tokens live 3 s here, so expiry is real and quick."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from smtpwizard.core import oauth
from smtpwizard.core.check import CheckOptions, run_check
from smtpwizard.core.settings import Security, ServerSettings

from .conftest import expired, own_dovecot, provider_config, sign_in_with_browser
from .provider import RunningProvider, running_provider
from .servers import Certs

pytestmark = [pytest.mark.keychain, pytest.mark.timeout(90)]
ALICE = "alice@example.test"


@pytest.fixture(scope="module")
def provider(certs: Certs) -> Iterator[RunningProvider]:
    with running_provider(certs.cert, certs.key, certs.ca, access_token_ttl=3) as running:
        yield running


async def test_expired_token_is_renewed_and_kept(
    provider: RunningProvider,
    certs: Certs,
    dovecot: tuple[str, int, Path],
    relay: tuple[str, int, object],
    tmp_path: Path,
) -> None:
    config = await provider_config(provider)
    first = await sign_in_with_browser(config, ALICE)
    await oauth.save_sign_in(oauth.SignIn(ALICE, config, first))
    settings = ServerSettings(dovecot[0], dovecot[1], Security.STARTTLS, username=ALICE)
    options = CheckOptions(ca_file=certs.ca)
    await expired(provider, first.access_token)
    # Another Dovecot really refuses it (this one's failed-login penalty would delay the next).
    with own_dovecot(tmp_path / "other", certs, provider, relay) as other:
        stale = await run_check(
            ServerSettings(other[0], other[1], Security.STARTTLS, username=ALICE),
            access_token=first.access_token,
            options=options,
        )
    assert stale.diagnosis.code == "oauth_token_rejected"

    token, renewed = await oauth.fresh_access_token(ALICE)

    assert token != first.access_token
    assert renewed.tokens.refresh_token not in (None, first.refresh_token)  # rotated
    result = await run_check(settings, access_token=token, options=options)
    assert result.ok, result.diagnosis
    kept = await oauth.load_sign_in(ALICE)
    assert kept is not None and kept.tokens.access_token == token
    assert kept.tokens.refresh_token == renewed.tokens.refresh_token
    # The entry is in the keychain under our service name, and holds no surprise.
    raw = json.loads(keyring.get_password("smtpwizard", f"oauth2:{ALICE}") or "{}")
    assert raw["config"]["client_id"] == config.client_id
    assert repr(kept).count(token) == 0


async def test_revoked_refresh_token_asks_to_sign_in_again(provider: RunningProvider) -> None:
    config = await provider_config(provider)
    tokens = await sign_in_with_browser(config, ALICE)
    await oauth.save_sign_in(oauth.SignIn(ALICE, config, tokens))
    assert tokens.refresh_token is not None
    await asyncio.to_thread(provider.revoke, tokens.refresh_token)

    with pytest.raises(oauth.OAuthFailure) as caught:
        await oauth.fresh_access_token(ALICE)

    assert caught.value.code == "oauth_grant_invalid"
    assert "invalid_grant" in caught.value.technical
    assert "Sign in again" in caught.value.fix


async def test_sign_out_revokes_and_forgets(provider: RunningProvider) -> None:
    config = await provider_config(provider)
    tokens = await sign_in_with_browser(config, "carol@example.test")
    await oauth.save_sign_in(oauth.SignIn("carol@example.test", config, tokens))
    assert tokens.refresh_token is not None

    assert await oauth.sign_out("carol@example.test") is True

    assert await oauth.load_sign_in("carol@example.test") is None
    assert keyring.get_password("smtpwizard", "oauth2:carol@example.test") is None
    answer = await asyncio.to_thread(provider.introspect, tokens.refresh_token)
    assert answer["active"] is False  # the provider forgot the grant too
    assert await oauth.sign_out("carol@example.test") is False  # nothing left: not an error


async def test_not_signed_in(provider: RunningProvider) -> None:
    with pytest.raises(oauth.OAuthFailure) as caught:
        await oauth.fresh_access_token("nobody@example.test")
    assert caught.value.code == "oauth_not_signed_in"
    assert "nobody@example.test" in caught.value.explanation
