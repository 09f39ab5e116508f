"""Property tests: the core parsers, Profile.from_dict and every exporter either accept a value or
raise the project's own error with a message; never another exception type."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from smtpwizard.core import inputs
from smtpwizard.core.errors import InputError
from smtpwizard.core.exporters import FORMATS, ExportError, render_export
from smtpwizard.core.profiles import Profile, ProfileError
from smtpwizard.core.settings import (
    Account,
    IncomingProtocol,
    IncomingServer,
    Security,
    ServerSettings,
)

from .corpus import CORPUS, GOOD_PROFILE

_FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Characters that matter to these parsers, so short random strings hit their branches often.
_SHARP = "[]:@./\\-_+%<>\"'`$ \t\r\n\x00\x1b\u2028\u200b\ufeffé६５0123456789abcdefxnAZ"
_NASTY_TEXT = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=_SHARP, max_size=40),
    st.sampled_from([c.value for c in CORPUS if isinstance(c.value, str)]),
    st.builds(
        lambda a, b: a + b,
        st.sampled_from(["smtp://", "[::1]", "anna@", "sha256:", "xn--", "127.0.0.1:", ""]),
        st.text(alphabet=_SHARP, max_size=30),
    ),
    st.integers(min_value=1, max_value=6000).map(lambda n: "9" * n),
)

_PARSERS = {
    "host": inputs.parse_host,
    "port": inputs.parse_port,
    "email": inputs.parse_email,
    "username": inputs.parse_username,
    "display_name": inputs.parse_display_name,
    "fingerprint": inputs.parse_fingerprint,
    "resolve": inputs.parse_resolve,
    "dns_server": inputs.parse_dns_server,
}
# Fields that go on the wire (or into mail headers): CR, LF and NUL are always refused.
_WIRE = ("host", "email", "username", "display_name")


def _assert_plain_error(exc: Exception) -> None:
    message = getattr(exc, "message", "")
    assert isinstance(message, str) and len(message.split()) >= 3, message
    assert "Traceback" not in message


@pytest.mark.parametrize("name", sorted(_PARSERS))
@_FAST
@given(value=_NASTY_TEXT)
@example(value="9" * 5000)
@example(value="[::1")
def test_parsers_raise_only_input_error(name: str, value: str) -> None:
    try:
        result = _PARSERS[name](value)
    except InputError as exc:
        _assert_plain_error(exc)
        return
    # What comes back carries nothing that could start a new SMTP command.
    parts = result if isinstance(result, tuple) else (result,)
    if isinstance(result, inputs.ParsedHost):
        parts = (result.host, result.display)
    for part in parts:
        assert not any(c in str(part) for c in "\r\n\x00"), result


@pytest.mark.parametrize("name", _WIRE)
@_FAST
@given(before=st.text(max_size=20), bad=st.sampled_from("\r\n\x00"), after=st.text(max_size=20))
def test_wire_fields_always_refuse_cr_lf_nul(name: str, before: str, bad: str, after: str):
    with pytest.raises(InputError) as caught:
        _PARSERS[name](before + bad + after)
    _assert_plain_error(caught.value)


def test_port_parser_takes_huge_ints_too():
    for value in (10**5000, -(10**5000), 0, 65536):
        with pytest.raises(InputError):
            inputs.parse_port(value)
    assert inputs.parse_port(587) == 587


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
_PATHS = [
    path
    for key, value in GOOD_PROFILE.items()
    for path in ([f"{key}.{sub}" for sub in value] if isinstance(value, dict) else [key])
] + ["server", "account"]


def _replace(path: str, value: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(GOOD_PROFILE))
    *parents, key = path.split(".")
    target = data
    for part in parents:
        target = target[part]
    target[key] = value
    return data


def _from_dict(data: object) -> None:
    try:
        Profile.from_dict(data)
    except ProfileError as exc:
        _assert_plain_error(exc)


@_FAST
@given(data=_JSON)
def test_profile_from_any_json_value(data: object) -> None:
    _from_dict(data)


@_FAST
@given(path=st.sampled_from(_PATHS), value=_JSON | _NASTY_TEXT)
@example(path="server.port", value=10**5000)
@example(path="version", value=10**5000)
def test_profile_with_one_field_damaged(path: str, value: Any) -> None:
    _from_dict(_replace(path, value))


def test_the_unharmed_profile_parses():
    """The mutations above start from a profile that is valid, so they test one damage each."""
    assert Profile.from_dict(GOOD_PROFILE).server.port == 587


_INCOMING = IncomingServer(IncomingProtocol.IMAP, "imap.example.com", 993, Security.TLS, None)
_TEXT_FORMATS = [f.id for f in FORMATS if not f.binary]


@pytest.mark.parametrize("format_id", _TEXT_FORMATS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=_NASTY_TEXT, user=_NASTY_TEXT, password=_NASTY_TEXT)
def test_exporters_take_hostile_values(format_id: str, name: str, user: str, password: str):
    server = ServerSettings("smtp.example.com", 587, Security.STARTTLS, user or None)
    account = Account("anna@example.com", name, _INCOMING)
    fmt = next(f for f in FORMATS if f.id == format_id)
    include = fmt.can_carry_password and bool(user)
    if not include:
        password = "Sentinel-Pw-7f3a9c"  # given but not asked for: must not be written
    try:
        result = render_export(
            format_id, server, account, include_password=include, password=password
        )
    except (ExportError, InputError) as exc:  # InputError: a username no key can be made of
        _assert_plain_error(exc)
        return
    assert result.data
    if not include:
        assert b"Sentinel-Pw-7f3a9c" not in result.data


def test_the_pdf_card_takes_a_hostile_name():
    account = Account("anna@example.com", "</tag> $HOME \\ \" ' ünï 名前 \u202e", _INCOMING)
    server = ServerSettings("smtp.example.com", 587, Security.STARTTLS, "anna@example.com")
    assert render_export("card-pdf", server, account).data.startswith(b"%PDF")
