import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smtpwizard.core.errors import InputError
from smtpwizard.core.inputs import (
    parse_dns_server,
    parse_email,
    parse_fingerprint,
    parse_host,
    parse_port,
    parse_resolve,
)
from smtpwizard.core.settings import Security


@pytest.mark.parametrize(
    ("text", "host", "port", "security"),
    [
        ("smtp.example.com", "smtp.example.com", None, None),
        ("  SMTP.Example.COM.  ", "smtp.example.com", None, None),
        ("smtp://mail.example.net:587", "mail.example.net", 587, None),
        ("smtps://mail.example.net", "mail.example.net", None, Security.TLS),
        ("submission://mail.example.net:587/", "mail.example.net", 587, Security.STARTTLS),
        ("mail.example.net:465", "mail.example.net", 465, None),
        ("[::1]:2525", "::1", 2525, None),
        ("127.0.0.1", "127.0.0.1", None, None),
        ("bücher.example", "xn--bcher-kva.example", None, None),
    ],
)
def test_pasted_hosts_are_understood(text, host, port, security):
    parsed = parse_host(text)
    assert (parsed.host, parsed.port, parsed.security) == (host, port, security)


def test_idn_host_keeps_a_readable_form():
    assert parse_host("bücher.example").display == "bücher.example"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "enter the server name"),
        ("https://example.com/login", "not a mail server address"),
        ("smtp://user:secret@host:587", "contains a password"),
        ("anna@example.com", "email address"),
        ("host name", "spaces"),
        ("smtp.example.com\r\nMAIL FROM:<x>", "line break"),
        ("host\x00", "NUL"),
        ("host:0", "between 1 and 65535"),
        ("host:99999", "between 1 and 65535"),
        ("host:abc", "must be a number"),
        ("-bad-.example", "not a valid server name"),
        ("a" * 300 + ".com", "longer than DNS allows"),
        ("example.com/path", "without a path"),
    ],
)
def test_bad_hosts_get_a_clear_message(text, words):
    with pytest.raises(InputError) as info:
        parse_host(text)
    assert words.lower() in info.value.message.lower()


@pytest.mark.parametrize("value", ["0", "-1", "65536", "", "5x", "１２３"])
def test_bad_ports(value):
    with pytest.raises(InputError):
        parse_port(value)


def test_emails():
    assert parse_email(" Anna@Bücher.Example ") == "Anna@xn--bcher-kva.example"
    assert parse_email("mailto:<bob@example.com>") == "bob@example.com"
    for bad in ["", "anna", "a@b@c.com", "anna@localhost", ".a@x.com", "a..b@x.com", "a@x.com\n"]:
        with pytest.raises(InputError):
            parse_email(bad)


def test_fingerprint_forms():
    fp = "ab" * 32
    assert parse_fingerprint("SHA256:" + ":".join(["AB"] * 32)) == fp
    with pytest.raises(InputError):
        parse_fingerprint("abc")


def test_resolve_and_dns_server():
    assert parse_resolve("mail.example.com:127.0.0.2") == ("mail.example.com", "127.0.0.2")
    assert parse_dns_server("127.0.0.1:5353") == ("127.0.0.1", 5353)
    assert parse_dns_server("127.0.0.1") == ("127.0.0.1", 53)
    for bad in ["nohost", "host:notanip"]:
        with pytest.raises(InputError):
            parse_resolve(bad)
    with pytest.raises(InputError):
        parse_dns_server("dns.example.com")


@given(st.text(max_size=300))
def test_parse_host_never_crashes(text):
    try:
        parsed = parse_host(text)
    except InputError as exc:
        assert exc.message
    else:
        assert "\r" not in parsed.host and "\n" not in parsed.host and parsed.host


@given(st.text(max_size=200))
def test_parse_email_never_crashes(text):
    try:
        address = parse_email(text)
    except InputError as exc:
        assert exc.message
    else:
        assert address.count("@") == 1


def test_the_fast_path_for_plain_names_agrees_with_idna():
    """A letters-digits-hyphens name skips IDNA; the answer must be what IDNA would give."""
    import ipaddress
    import random
    import re
    import string

    import idna

    label_rule = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")  # what a server name's label may be

    def reference(text: str) -> str | None:
        try:
            name = idna.encode(text.rstrip(".").lower(), uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            return None
        return name if name and all(label_rule.match(x) for x in name.split(".")) else None

    rng = random.Random(12)
    alphabet = string.ascii_letters + string.digits + "-._"
    names = ["Example.COM.", "ab--cd.test", "xn--bcher-kva.test", "-a.test", "a-.test", "a..b"]
    names += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24))) for _ in range(3000)]
    for name in names:
        with contextlib.suppress(ValueError):
            ipaddress.ip_address(name)
            continue
        try:
            ours = parse_host(name).host
        except InputError:
            ours = None
        assert ours == reference(name), name


@pytest.mark.parametrize(
    ("host", "expected"),
    [("192.0.2.1", True), ("::1", True), ("fe80::1%eth0", True), ("2001:db8::", True),
     ("mail.example.test", False), ("1.2.3", False), ("256.1.1.1", False), ("123", False),
     ("\uff11.2.3.4", False), ("", False), ("[::1]", False), ("1.2.3.4.", False)],
)  # fmt: skip
def test_is_ip_answers_as_ipaddress_does(host, expected):
    import ipaddress

    from smtpwizard.core.inputs import is_ip

    try:
        ipaddress.ip_address(host)
        reference = True
    except ValueError:
        reference = False
    assert is_ip(host) is expected is reference
