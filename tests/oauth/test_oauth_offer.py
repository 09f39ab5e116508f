"""Judging a discovered <oAuth2> block before anyone's browser goes there (core/oauth/offer.py):
the ISPDB's word is taken, an autoconfig document naming a sign-in page elsewhere needs consent
naming both domains, plain http always does, and no block may split the sign-in and the token
between two organisations or use anything but https."""

from __future__ import annotations

import pytest

from smtpwizard.core import oauth
from smtpwizard.core.discovery import Candidate, SourceKind, parse_client_config
from smtpwizard.core.discovery.clientconfig import OAuth2Block
from smtpwizard.core.errors import InputError
from smtpwizard.core.settings import Security

YAHOO = OAuth2Block(
    "login.yahoo.com",
    ("mail-w",),
    "https://api.login.yahoo.com/oauth2/request_auth",
    "https://api.login.yahoo.com/oauth2/get_token",
)
EVIL = OAuth2Block(
    "https://id.evil.test",
    ("smtp", "offline_access"),
    "https://id.evil.test/authorize",
    "https://id.evil.test/token",
)


def _candidate(block: OAuth2Block | None, source: SourceKind, host: str = "smtp.example.com"):
    trusted = source.trusted
    return Candidate(host, 587, Security.STARTTLS, None, source, trusted, 0, oauth2=block)


def test_the_ispdb_is_taken_at_its_word_but_the_host_is_shown() -> None:
    offer = oauth.discovered_sign_in(_candidate(YAHOO, SourceKind.ISPDB), "ann@yahoo.com")
    assert offer is not None
    assert (offer.host, offer.label, offer.key) == (
        "api.login.yahoo.com",
        "Yahoo Mail",  # the organisation, from our provider table
        "issuer:login.yahoo.com",
    )
    assert not offer.needs_confirmation and offer.stranger is None
    assert offer.where_words().startswith("Your browser will open api.login.yahoo.com")
    assert "Thunderbird's database" in offer.where_words()
    config = offer.config("my-app")
    assert config.label == "Yahoo Mail" and config.issuer is None  # a host is no RFC 9207 issuer
    assert config.authorize_params == ()
    # Curated, yet another organisation's page for this address: still no consent needed.
    elsewhere = oauth.discovered_sign_in(_candidate(EVIL, SourceKind.ISPDB), "ann@example.com")
    assert elsewhere is not None and not elsewhere.needs_confirmation


def test_an_autoconfig_document_naming_a_stranger_needs_consent() -> None:
    offer = oauth.discovered_sign_in(_candidate(EVIL, SourceKind.AUTOCONFIG), "ann@example.com")
    assert offer is not None and offer.needs_confirmation
    assert "belongs to evil.test, not to example.com" in offer.warning()
    assert "goes to whoever runs evil.test" in offer.warning()
    assert offer.consent_words() == "Yes, evil.test runs the sign-in for example.com"
    config = offer.config("app")
    assert config.issuer == "https://id.evil.test"
    assert config.authorize_params == (("prompt", "consent"),)  # offline_access asked
    # The same document for the domain's own sign-in page: no consent needed.
    own = OAuth2Block(None, ("smtp",), "https://id.example.com/a", "https://login.example.com/t")
    mine = oauth.discovered_sign_in(_candidate(own, SourceKind.AUTOCONFIG), "ann@example.com")
    assert mine is not None and not mine.needs_confirmation and mine.label == "id.example.com"


def test_plain_http_always_needs_consent() -> None:
    own = OAuth2Block(None, ("smtp",), "https://id.example.com/a", "https://id.example.com/t")
    offer = oauth.discovered_sign_in(_candidate(own, SourceKind.AUTOCONFIG_HTTP), "ann@example.com")
    assert offer is not None and offer.needs_confirmation and offer.stranger is None
    assert "unencrypted connection" in offer.warning()
    assert offer.consent_words() == "Yes, sign in at id.example.com"


@pytest.mark.parametrize(
    ("block", "words"),
    [
        (OAuth2Block(None, ("s",), "http://id.example.com/a", "https://id.example.com/t"), "https"),
        (OAuth2Block(None, ("s",), "https://id.example.com/a", "http://id.example.com/t"), "https"),
        (
            OAuth2Block(None, ("s",), "https://id.example.com/a", "https://grab.evil.test/t"),
            "another organisation",
        ),
        (OAuth2Block(None, ("s",), "https://id.example.com/a", None), "lack"),
        (OAuth2Block(None, (), "https://id.example.com/a", "https://id.example.com/t"), "scope"),
        (OAuth2Block(None, ("s",), None, None), "lack"),
        (OAuth2Block("http://id.example.com", ("s",), None, None), "https"),
    ],
)
def test_unusable_blocks_are_refused_in_plain_words(block: OAuth2Block, words: str) -> None:
    with pytest.raises(InputError) as caught:
        oauth.discovered_sign_in(_candidate(block, SourceKind.ISPDB), "ann@example.com")
    assert words in caught.value.message


def test_a_known_platform_uses_our_own_table() -> None:
    # The ISPDB's gmail.com block: two Google domains for one sign-in, and the table's settings
    # (access_type=offline, the client secret Google wants) win over the block's.
    google = OAuth2Block(
        "accounts.google.com",
        ("https://mail.google.com/",),
        "https://accounts.google.com/o/oauth2/v2/auth",
        "https://www.googleapis.com/oauth2/v3/token",
    )
    offer = oauth.discovered_sign_in(_candidate(google, SourceKind.ISPDB), "ann@firma.example")
    assert offer is not None and offer.known is oauth.GOOGLE
    assert offer.key == "google" and offer.label == "Google" and not offer.needs_discovery
    config = offer.config("id", "secret")
    assert config.token_endpoint == oauth.GOOGLE.token_endpoint
    assert ("access_type", "offline") in config.authorize_params
    assert oauth.generic_guide(offer) == oauth.GOOGLE.register_guide


def test_an_issuer_alone_is_found_by_discovery_and_the_guide_is_plain() -> None:
    block = OAuth2Block("id.example.com", ("smtp",), None, None)
    offer = oauth.discovered_sign_in(_candidate(block, SourceKind.ISPDB), "ann@example.com")
    assert offer is not None and offer.needs_discovery and offer.host == "id.example.com"
    guide = " ".join(oauth.generic_guide(offer))
    assert "http://127.0.0.1" in guide and "smtp" in guide and "client ID" in guide
    assert oauth.discovered_sign_in(_candidate(None, SourceKind.ISPDB), "a@example.com") is None


def test_the_block_travels_from_the_document_to_the_offer() -> None:
    document = b"""<clientConfig version="1.1"><emailProvider id="example.com">
      <domain>example.com</domain>
      <outgoingServer type="smtp"><hostname>smtp.example.com</hostname><port>587</port>
        <socketType>STARTTLS</socketType><authentication>OAuth2</authentication>
        <username>%EMAILADDRESS%</username></outgoingServer>
    </emailProvider>
    <oAuth2><issuer>id.example.com</issuer><scope>smtp offline_access</scope>
      <authURL>https://id.example.com/auth</authURL><tokenURL>https://id.example.com/token</tokenURL>
    </oAuth2></clientConfig>"""
    config = parse_client_config(document, "ann@example.com")
    assert config.oauth2 is not None
    offer = oauth.discovered_sign_in(
        _candidate(config.oauth2, SourceKind.AUTOCONFIG), "ann@example.com"
    )
    assert offer is not None and offer.host == "id.example.com" and not offer.needs_confirmation
