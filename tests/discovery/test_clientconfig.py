"""clientConfig parsing: the format's rules, placeholders, and documents built to hurt."""

from __future__ import annotations

import pytest

from smtpwizard.core.discovery import ClientConfigError, parse_client_config
from smtpwizard.core.settings import IncomingProtocol, Security

from .conftest import client_config

EMAIL = "anna.b@example.test"


def test_several_outgoing_servers_keep_document_order_and_map_socket_types() -> None:
    xml = client_config(
        ("smtp.example.test", 465, "SSL"),
        ("smtp.example.test", 587, "STARTTLS"),
        ("relay.example.test", 25, "plain"),
    )
    config = parse_client_config(xml.encode(), EMAIL)
    assert [(e.host, e.port, e.security) for e in config.outgoing] == [
        ("smtp.example.test", 465, Security.TLS),
        ("smtp.example.test", 587, Security.STARTTLS),
        ("relay.example.test", 25, Security.NONE),
    ]
    assert config.provider_id == "example.test"
    assert config.display_name == "example.test mail"
    assert config.domains == ("example.test",)
    assert config.ignored == ()
    assert any("without encryption" in note for note in config.outgoing[2].notes())


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("%EMAILADDRESS%", EMAIL),
        ("%EMAILLOCALPART%", "anna.b"),
        ("%EMAILDOMAIN%", "example.test"),
        ("u-%EMAILLOCALPART%@%EMAILDOMAIN%", "u-anna.b@example.test"),
        ("fixed", "fixed"),
    ],
)
def test_username_placeholders(template: str, expected: str) -> None:
    xml = client_config(("smtp.example.test", 587, "STARTTLS"), username=template)
    assert parse_client_config(xml.encode(), EMAIL).outgoing[0].username == expected


def test_placeholder_in_hostname_is_filled_and_host_normalised() -> None:
    xml = client_config(("SMTP.%EMAILDOMAIN%", 587, "starttls"))
    assert parse_client_config(xml.encode(), EMAIL).outgoing[0].host == "smtp.example.test"


def test_oauth2_only_entry_gets_a_plain_note() -> None:
    server = (
        '<outgoingServer type="smtp"><hostname>smtp.example.test</hostname><port>587</port>'
        "<socketType>STARTTLS</socketType><authentication>OAuth2</authentication></outgoingServer>"
    )
    entry = parse_client_config(client_config(server).encode(), EMAIL).outgoing[0]
    assert entry.oauth_only
    assert entry.authentication == ("OAuth2",)
    assert any("OAuth2" in note and "password will be refused" in note for note in entry.notes())


def test_oauth2_with_password_fallback_is_not_oauth_only() -> None:
    server = (
        '<outgoingServer type="smtp"><hostname>smtp.example.test</hostname><port>465</port>'
        "<socketType>SSL</socketType><authentication>OAuth2</authentication>"
        "<authentication>password-cleartext</authentication></outgoingServer>"
    )
    entry = parse_client_config(client_config(server).encode(), EMAIL).outgoing[0]
    assert not entry.oauth_only
    assert entry.notes() == ()


@pytest.mark.parametrize(
    ("server", "reason"),
    [
        (
            '<outgoingServer type="exchange"><hostname>x.example.test</hostname></outgoingServer>',
            "type 'exchange'",
        ),
        (
            '<outgoingServer type="smtp"><hostname>s.example.test</hostname><port>0</port>'
            "<socketType>SSL</socketType></outgoingServer>",
            "port '0' is not between 1 and 65535",
        ),
        (
            '<outgoingServer type="smtp"><hostname>s.example.test</hostname><port>70000</port>'
            "<socketType>SSL</socketType></outgoingServer>",
            "port '70000'",
        ),
        (
            '<outgoingServer type="smtp"><hostname>s.example.test</hostname><port>x</port>'
            "<socketType>SSL</socketType></outgoingServer>",
            "port 'x'",
        ),
        (
            '<outgoingServer type="smtp"><hostname>s.example.test</hostname><port>25</port>'
            "<socketType>TLSv9</socketType></outgoingServer>",
            "unknown socketType 'tlsv9'",
        ),
        (
            '<outgoingServer type="smtp"><port>25</port><socketType>SSL</socketType>'
            "</outgoingServer>",
            "no hostname",
        ),
        (
            '<outgoingServer type="smtp"><hostname>bad host name</hostname><port>25</port>'
            "<socketType>SSL</socketType></outgoingServer>",
            "cannot contain spaces",
        ),
        (
            '<outgoingServer type="smtp"><hostname>s.example.test:2525</hostname><port>25</port>'
            "<socketType>SSL</socketType></outgoingServer>",
            "bare name",
        ),
        (
            '<outgoingServer type="smtp"><hostname>s.example.test</hostname><port>25</port>'
            "<socketType>SSL</socketType><username>a&#13;&#10;RCPT TO:x</username>"
            "</outgoingServer>",
            "line break",
        ),
    ],
)
def test_malformed_entries_are_ignored_with_a_reason(server: str, reason: str) -> None:
    good = ("smtp.example.test", 587, "STARTTLS")
    config = parse_client_config(client_config(server, good).encode(), EMAIL)
    assert [(e.host, e.port) for e in config.outgoing] == [("smtp.example.test", 587)]
    assert len(config.ignored) == 1
    assert reason in config.ignored[0]


def test_incoming_servers_are_kept_and_unknown_types_ignored() -> None:
    incoming = (
        '<incomingServer type="imap"><hostname>imap.example.test</hostname><port>993</port>'
        "<socketType>SSL</socketType><username>%EMAILLOCALPART%</username></incomingServer>"
        '<incomingServer type="pop3"><hostname>pop.example.test</hostname><port>995</port>'
        "<socketType>SSL</socketType></incomingServer>"
        '<incomingServer type="exchange"><hostname>ews.example.test</hostname></incomingServer>'
    )
    xml = client_config(("smtp.example.test", 587, "STARTTLS"), incoming=incoming)
    config = parse_client_config(xml.encode(), EMAIL)
    assert [(s.protocol, s.host, s.port, s.security, s.username) for s in config.incoming] == [
        (IncomingProtocol.IMAP, "imap.example.test", 993, Security.TLS, "anna.b"),
        (IncomingProtocol.POP3, "pop.example.test", 995, Security.TLS, None),
    ]
    assert config.ignored == ("incoming server of type 'exchange' (only imap and pop3 are kept)",)


def test_namespaced_document_is_understood() -> None:
    xml = client_config(("smtp.example.test", 587, "STARTTLS")).replace(
        "<clientConfig ", '<clientConfig xmlns="http://example.test/ns" '
    )
    assert parse_client_config(xml.encode(), EMAIL).outgoing[0].port == 587


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<clientConfig version="1.1"><emailProvider id="x"><displayName>&lol9;</displayName>
</emailProvider></clientConfig>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE clientConfig [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<clientConfig version="1.1"><emailProvider id="x"><displayName>&secret;</displayName>
</emailProvider></clientConfig>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE clientConfig SYSTEM "http://127.0.0.1:9/evil.dtd">
<clientConfig version="1.1"><emailProvider id="x"/></clientConfig>"""


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (BILLION_LAUGHS, "declares XML entities"),
        (EXTERNAL_ENTITY, "declares XML entities"),
        (EXTERNAL_DTD, "<!DOCTYPE> declaration"),
        (b"<clientConfig><emailProvider>", "not well-formed XML"),
        (b"", "not well-formed XML"),
        (b"\xff\xfe\x00garbage", "not well-formed XML"),
        (b"<html><body>Welcome</body></html>", "top element is <html>"),
        (b'<clientConfig version="1.1"></clientConfig>', "no <emailProvider>"),
    ],
)
def test_hostile_or_broken_documents_are_refused_with_a_reason(
    document: bytes, reason: str
) -> None:
    with pytest.raises(ClientConfigError) as raised:
        parse_client_config(document, EMAIL)
    assert reason in str(raised.value)
