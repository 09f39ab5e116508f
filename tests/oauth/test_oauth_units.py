"""The OAuth2 pieces on their own: provider data (shape only, never contacted), settings
validation, the <oAuth2> block, error classification, token bookkeeping, the SASL strings."""

from __future__ import annotations

import base64
import time
from urllib.parse import urlsplit

import pytest

from smtpwizard.core import oauth
from smtpwizard.core.check.oauth_sasl import sasl_initial_response
from smtpwizard.core.diagnosis.catalogue import CATALOGUE
from smtpwizard.core.discovery.clientconfig import parse_client_config
from smtpwizard.core.errors import InputError
from smtpwizard.core.oauth.errors import describe_skew

# The shape of the ISPDB's office365.com entry (thunderbird/autoconfig ispdb/office365.com.xml):
# the <oAuth2> block is a sibling of <emailProvider>, its scope list has IMAP, POP and SMTP.
OFFICE365_SHAPE = b"""<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="office365.com">
    <domain>office365.com</domain>
    <outgoingServer type="smtp">
      <hostname>smtp.office365.com</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <authentication>OAuth2</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
  </emailProvider>
  <oAuth2>
    <issuer>login.microsoftonline.com</issuer>
    <scope>https://outlook.office365.com/IMAP.AccessAsUser.All
      https://outlook.office365.com/SMTP.Send offline_access</scope>
    <authURL>https://login.microsoftonline.com/common/oauth2/v2.0/authorize</authURL>
    <tokenURL>https://login.microsoftonline.com/common/oauth2/v2.0/token</tokenURL>
  </oAuth2>
</clientConfig>
"""


def test_provider_table_shape() -> None:
    ms, google = oauth.MICROSOFT, oauth.GOOGLE
    assert ms.scopes == ("https://outlook.office.com/SMTP.Send", "offline_access")
    assert google.scopes == ("https://mail.google.com/",)
    for provider in (ms, google):
        for url in (provider.authorization_endpoint, provider.token_endpoint):
            parts = urlsplit(url)
            assert parts.scheme == "https" and parts.hostname and not parts.query
        assert provider.register_guide and all(
            step.endswith(".") for step in provider.register_guide
        )
    assert ms.device_authorization_endpoint == (
        "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode"
    )
    assert google.device_authorization_endpoint is None  # no mail scope in Google's device flow
    assert google.needs_client_secret and not ms.needs_client_secret
    assert oauth.provider_for_server("SMTP.Office365.com.") is ms
    assert oauth.provider_for_server("smtp.gmail.com") is google
    assert oauth.provider_for_server("smtp.example.com") is None


def test_microsoft_tenant() -> None:
    mine = oauth.MICROSOFT.for_tenant("contoso.onmicrosoft.com")
    assert mine.token_endpoint == (
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    )
    assert "/contoso.onmicrosoft.com/" in (mine.device_authorization_endpoint or "")
    with pytest.raises(ValueError):
        oauth.MICROSOFT.for_tenant("evil/../x")
    with pytest.raises(ValueError):
        oauth.GOOGLE.for_tenant("common")


def test_no_client_id_is_shipped() -> None:
    with pytest.raises(InputError) as caught:
        oauth.config_from_provider(oauth.MICROSOFT, "")
    assert caught.value.field == "client_id" and "register" in caught.value.message
    with pytest.raises(InputError) as secret:
        oauth.config_from_provider(oauth.GOOGLE, "123.apps.googleusercontent.com")
    assert secret.value.field == "client_secret"
    config = oauth.config_from_provider(oauth.GOOGLE, "id", "not-so-secret")
    assert dict(config.authorize_params) == {"access_type": "offline", "prompt": "consent"}


@pytest.mark.parametrize(
    "url",
    [
        "http://login.example.com/authorize",
        "ftp://login.example.com/",
        "https:///nohost",
        "https://user:pw@login.example.com/",
        "https://login.example.com/\r\nX: y",
    ],
)
def test_endpoints_must_be_https(url: str) -> None:
    with pytest.raises(InputError):
        oauth.OAuthConfig("x", url, "https://login.example.com/token", ("s",), "id")
    with pytest.raises(InputError):
        oauth.OAuthConfig("x", "https://login.example.com/a", url, ("s",), "id")


def test_config_checks_and_round_trip() -> None:
    base = oauth.config_from_provider(oauth.MICROSOFT, "my-app")
    assert oauth.OAuthConfig.from_dict(base.to_dict()) == base
    with pytest.raises(InputError):
        oauth.OAuthConfig("x", base.authorization_endpoint, base.token_endpoint, (), "id")
    with pytest.raises(InputError):
        oauth.OAuthConfig("x", base.authorization_endpoint, base.token_endpoint, ("a b",), "id")
    with pytest.raises(InputError):
        oauth.OAuthConfig("x", base.authorization_endpoint, base.token_endpoint, ("s",), "i" * 300)
    with pytest.raises(InputError):
        base.with_client("bad\nid")
    assert base.with_client("other", "").client_secret is None


def test_the_oauth2_block_is_read() -> None:
    config = parse_client_config(OFFICE365_SHAPE, "anna@contoso.com")
    block = config.oauth2
    assert block is not None
    assert block.issuer == "login.microsoftonline.com"
    assert block.scopes == (
        "https://outlook.office365.com/IMAP.AccessAsUser.All",
        "https://outlook.office365.com/SMTP.Send",
        "offline_access",
    )
    made = oauth.config_from_block(block, "my-app")
    assert made.token_endpoint == block.token_url and made.label == "login.microsoftonline.com"
    assert config.outgoing[0].oauth_only


def test_a_hostile_oauth2_block_is_dropped() -> None:
    many = b" ".join(b"s%d" % i for i in range(30))
    doc = OFFICE365_SHAPE.replace(
        b"offline_access</scope>", b"offline_access " + many + b"</scope>"
    )
    config = parse_client_config(doc, "anna@contoso.com")
    assert config.oauth2 is None and any("too many" in reason for reason in config.ignored)
    long = OFFICE365_SHAPE.replace(b"<issuer>login", b"<issuer>" + b"x" * 3000)
    assert parse_client_config(long, "a@b.c").oauth2 is None
    http = OFFICE365_SHAPE.replace(b"<tokenURL>https:", b"<tokenURL>http:")
    block = parse_client_config(http, "a@b.c").oauth2
    assert block is not None
    with pytest.raises(InputError):
        oauth.config_from_block(block, "my-app")  # plain-http token endpoint: refused
    no_urls = OFFICE365_SHAPE.replace(b"<authURL>", b"<x>").replace(b"</authURL>", b"</x>")
    block = parse_client_config(no_urls, "a@b.c").oauth2
    assert block is not None and block.auth_url is None
    with pytest.raises(InputError):
        oauth.config_from_block(block, "my-app")


@pytest.mark.parametrize(
    ("error", "description", "code"),
    [
        (
            "access_denied",
            "AADSTS65004: User declined to consent to access the app.",
            "oauth_consent_denied",
        ),
        (
            "invalid_grant",
            "AADSTS65001: The user or administrator has not consented",
            "oauth_admin_consent",
        ),
        ("invalid_request", "AADSTS90094: Admin approval required", "oauth_admin_consent"),
        (
            "unauthorized_client",
            "AADSTS700016: Application with identifier 'x' was not found in the directory",
            "oauth_client_unknown",
        ),
        (
            "invalid_grant",
            "AADSTS700082: The refresh token has expired due to inactivity.",
            "oauth_grant_invalid",
        ),
        (
            "invalid_scope",
            "AADSTS70011: The provided value for scope is not valid.",
            "oauth_wrong_scope",
        ),
        ("invalid_grant", "Token has been expired or revoked.", "oauth_grant_invalid"),
        ("invalid_client", "The OAuth client was not found.", "oauth_client_unknown"),
        ("admin_policy_enforced", None, "oauth_admin_consent"),
        ("expired_token", None, "oauth_consent_denied"),
        ("server_error", "AADSTS99999: something new", "oauth_provider_error"),
    ],
)
def test_token_errors_in_plain_words(error: str, description: str | None, code: str) -> None:
    failure = oauth.classify_token_error(error, description, provider="Microsoft", client_id="abc")
    assert failure.code == code
    assert failure.title and "?" not in failure.title
    assert "{" not in failure.explanation + failure.fix
    assert failure.to_dict()["technical"].startswith(error)


def test_clock_skew_explains_an_expired_grant() -> None:
    failure = oauth.classify_token_error("invalid_grant", "expired", provider="Google", skew=7300)
    assert failure.code == "oauth_clock_skew"
    assert "about 2 hours ahead of Google's" in failure.explanation
    small = oauth.classify_token_error("invalid_grant", "x", provider="Google", skew=20)
    assert small.code == "oauth_grant_invalid"
    denied = oauth.classify_token_error("access_denied", None, provider="Google", skew=9999)
    assert denied.code == "oauth_consent_denied"  # a person said no, whatever the clock
    assert describe_skew(-600) == "about 10 minutes behind"


def test_every_oauth_code_is_in_the_catalogue() -> None:
    codes = {c for c in CATALOGUE if c.startswith("oauth_")}
    assert {"oauth_smtp_disabled", "oauth_clock_skew", "oauth_client_unknown"} <= codes
    assert "Set-CASMailbox" in CATALOGUE["oauth_smtp_disabled"].fix


def test_token_set_bookkeeping() -> None:
    now = time.time()
    tokens = oauth.TokenSet.from_response(
        {"access_token": "AT-secret", "expires_in": "3600", "scope": "SMTP.Send"}, "RT-old"
    )
    assert tokens.refresh_token == "RT-old"  # kept when the provider does not rotate
    assert tokens.fresh(now) and not tokens.fresh(now + 3590)
    assert "AT-secret" not in repr(tokens) and "RT-old" not in repr(tokens)
    assert oauth.TokenSet.from_dict(tokens.to_dict()) == tokens
    unknown = oauth.TokenSet.from_response({"access_token": "x", "expires_in": "soon"})
    assert unknown.expires_at is None and not unknown.fresh()
    assert "left=?" in repr(unknown)


def test_sasl_strings_match_the_specifications() -> None:
    # RFC 7628 section 4.1's example (gs2 header, host, port, bearer token, two ^A).
    bearer = sasl_initial_response(
        "OAUTHBEARER",
        "user@example.com",
        "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==",
        "server.example.com",
        143,
    )
    assert base64.b64decode(bearer) == (
        b"n,a=user@example.com,\x01host=server.example.com\x01port=143\x01"
        b"auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01"
    )
    # Google's "XOAUTH2 mechanism" page example, byte for byte.
    xoauth2 = sasl_initial_response(
        "XOAUTH2", "someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg", "h", 1
    )
    assert xoauth2 == (
        "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNr"
        "QmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="
    )
    odd = sasl_initial_response("OAUTHBEARER", "a,b=c@example.com", "t", "h", 1)
    assert base64.b64decode(odd).startswith(b"n,a=a=2Cb=3Dc@example.com,")
    with pytest.raises(ValueError):
        sasl_initial_response("PLAIN", "u", "t", "h", 1)


def test_discovery_candidates_carry_the_oauth2_block() -> None:
    from smtpwizard.core.discovery.model import SourceKind
    from smtpwizard.core.discovery.source import config_candidates
    from smtpwizard.core.probe.search import candidate_to_dict

    config = parse_client_config(OFFICE365_SHAPE, "anna@contoso.com")
    (candidate,) = config_candidates(
        config,
        email="anna@contoso.com",
        domain="contoso.com",
        source=SourceKind.ISPDB,
        trusted=True,
        detail="From the test.",
    )
    assert candidate.oauth2 is config.oauth2
    shown = candidate_to_dict(candidate)["oauth2"]
    assert shown["token_url"] == "https://login.microsoftonline.com/common/oauth2/v2.0/token"
    password_only = OFFICE365_SHAPE.replace(
        b"<authentication>OAuth2</authentication>",
        b"<authentication>password-cleartext</authentication>",
    )
    (plain,) = config_candidates(
        parse_client_config(password_only, "a@contoso.com"),
        email="a@contoso.com",
        domain="contoso.com",
        source=SourceKind.ISPDB,
        trusted=True,
        detail="",
    )
    assert plain.oauth2 is None and candidate_to_dict(plain)["oauth2"] is None
