"""JWT access tokens checked by Dovecot itself behind Postfix (introspection_mode = local, see
tests/oauth/dovecot.py): a token issued for another service of the same provider (RFC 8707
resource indicators) is refused for its audience alone, and explained; a token too long for an
SMTP command line still signs in."""

from __future__ import annotations

import base64
import json
import smtplib
import ssl
from dataclasses import replace

import pytest

from smtpwizard.core.check import CheckResult, run_check
from smtpwizard.core.check.oauth_sasl import sasl_initial_response

from .conftest import logged, provider_config, sign_in_with_browser
from .postfix import ADDRESS, NAME, OAuthLab
from .provider import MAIL_RESOURCE, OTHER_RESOURCE, RunningProvider

pytestmark = pytest.mark.timeout(120)
ALICE = "alice@example.test"
BIG = "many-groups.ivy@example.test"


async def _token_for(provider: RunningProvider, resource: str, user: str = ALICE) -> str:
    """A sign-in asking for `resource`, the way an app registered for that API signs in."""
    config = await provider_config(provider)
    config = replace(config, authorize_params=(*config.authorize_params, ("resource", resource)))
    tokens = await sign_in_with_browser(config, user)
    return tokens.access_token


def _claims(token: str) -> dict[str, object]:
    body = token.split(".")[1]
    data: dict[str, object] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return data


async def _check(lab: OAuthLab, token: str, user: str = ALICE) -> CheckResult:
    return await run_check(lab.settings("fresh", user), access_token=token, options=lab.options())


async def test_a_token_for_another_service_is_refused_and_explained(
    provider: RunningProvider, oauth_lab: OAuthLab
) -> None:
    right = await _token_for(provider, MAIL_RESOURCE)
    other = await _token_for(provider, OTHER_RESOURCE)
    # The two differ in their audience only: same issuer, key, address and scope.
    mine, theirs = _claims(right), _claims(other)
    assert (mine["aud"], theirs["aud"]) == (MAIL_RESOURCE, OTHER_RESOURCE)
    for claim in ("iss", "sub", "scope", "client_id"):
        assert mine[claim] == theirs[claim], claim
    assert theirs["scope"] == "SMTP.Send"

    with oauth_lab.fresh("audience", oauth_lab.local_jwt(MAIL_RESOURCE)) as log:
        good = await _check(oauth_lab, right)
        bad = await _check(oauth_lab, other)
        # Dovecot's reason (db-oauth2.c: the active_attribute check) is the audience.
        await logged(log.read_text, "Provided token is not valid")

    assert good.ok, good.diagnosis
    assert bad.diagnosis.code == "oauth_wrong_audience", bad.diagnosis
    assert bad.diagnosis.title == "The sign-in token is meant for another service"
    assert f'issued for "{OTHER_RESOURCE}"' in bad.diagnosis.explanation
    assert "https://outlook.office.com/SMTP.Send" in bad.diagnosis.fix
    assert other not in "\n".join(bad.transcript) + bad.diagnosis.technical


async def test_without_the_audience_check_the_same_token_gets_in(
    provider: RunningProvider, oauth_lab: OAuthLab
) -> None:
    """Why the test above needs Dovecot's audience check: without it (Dovecot 2.3.19's own
    local validation) the other service's token is accepted, for the same address."""
    other = await _token_for(provider, OTHER_RESOURCE)
    with oauth_lab.fresh("no-audience", oauth_lab.local_jwt(None)):
        result = await _check(oauth_lab, other)
    assert result.ok, result.diagnosis


async def test_an_address_mismatch_is_not_called_an_audience(
    provider: RunningProvider, oauth_lab: OAuthLab
) -> None:
    mallory = await _token_for(provider, OTHER_RESOURCE, "mallory@example.test")
    with oauth_lab.fresh("address", oauth_lab.local_jwt(None)):
        result = await _check(oauth_lab, mallory)
    # The token names another address: that explains the refusal, whatever its audience.
    assert result.diagnosis.code == "oauth_token_rejected", result.diagnosis


async def test_a_token_longer_than_a_command_line_signs_in(
    provider: RunningProvider, oauth_lab: OAuthLab
) -> None:
    token = await _token_for(provider, MAIL_RESOURCE, BIG)
    initial = sasl_initial_response("OAUTHBEARER", BIG, token, NAME, oauth_lab.ports["fresh"])
    assert 2048 < len(f"AUTH OAUTHBEARER {initial}") < 12288  # Postfix's two limits
    with oauth_lab.fresh("long", oauth_lab.local_jwt(MAIL_RESOURCE)):
        result = await _check(oauth_lab, token, BIG)
        inline = _inline_auth(oauth_lab, initial)

    assert result.ok, result.diagnosis
    transcript = "\n".join(result.transcript)
    assert "C: AUTH OAUTHBEARER\nS: 334 \nC: <hidden: sign-in data>\nS: 235" in transcript
    # The same response inside the AUTH command is cut by Postfix at line_length_limit.
    assert inline[0] != 235, inline
    await logged(oauth_lab.postfix.log_text, "request longer than 2048")


def _inline_auth(lab: OAuthLab, initial: str) -> tuple[int, bytes]:
    context = ssl.create_default_context(cafile=lab.ca_file)
    with smtplib.SMTP(
        ADDRESS, lab.ports["fresh"], local_hostname="client.test", timeout=30
    ) as smtp:
        smtp._host = NAME  # type: ignore[attr-defined]  # verify the certificate for the name
        smtp.starttls(context=context)
        smtp.ehlo()
        return smtp.docmd("AUTH", f"OAUTHBEARER {initial}")
