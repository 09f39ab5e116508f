"""Every diagnosis code a server can cause, against real lab servers, through the core API."""

from __future__ import annotations

import json
import time

import pytest

from smtpwizard.core.check import StepStatus

from .helpers import OUTSIDE, check


def test_good_starttls_server_signs_in_and_delivers(lab):
    ep = lab.start("starttls_ok")
    result = check(lab, ep, options={"send_to": "bob@lab.test"})
    assert result.ok, result.diagnosis
    assert result.message_sent
    assert ep.wait_messages(1)
    message = ep.messages[-1]
    assert message.rcpt_tos == ["bob@lab.test"]
    assert b"smtpwizard test message" in message.data
    # the Message-ID we report is the one the server received: the mailbox is searched for it
    assert result.message_id and f"Message-ID: {result.message_id}".encode() in message.data
    assert [s.status for s in result.steps] == [StepStatus.OK] * len(result.steps)
    names = [s.name.value for s in result.steps]
    assert names == [
        "resolve",
        "connect",
        "greeting",
        "ehlo",
        "starttls",
        "ehlo_secure",
        "auth",
        "mail_from",
        "rcpt_to",
        "data",
        "quit",
    ]
    assert result.tls is not None and result.tls.version.startswith("TLSv1.")
    cert = result.tls.certificate
    assert cert is not None and cert.fingerprint_sha256 == ep.fingerprint
    assert "localhost" in cert.san_names
    assert "PLAIN" in result.server.auth_mechanisms
    assert [a.encrypted for a in ep.auth_attempts] == [True]


def test_good_implicit_tls_server(lab):
    ep = lab.start("tls_ok")
    result = check(lab, ep)
    assert result.ok, result.diagnosis
    assert [s.name.value for s in result.steps][:4] == ["resolve", "connect", "tls", "greeting"]
    assert result.server.banner


def test_implicit_tls_against_a_starttls_port_suggests_starttls(lab):
    ep = lab.start("starttls_ok")
    result = check(lab, ep, security="tls")
    assert result.diagnosis.code == "wrong_security"
    assert result.diagnosis.suggestion == {"security": "starttls"}
    assert ep.auth_attempts == []


def test_starttls_against_an_implicit_tls_port_is_found_in_seconds(lab):
    ep = lab.start("tls_ok")
    began = time.monotonic()
    result = check(lab, ep, security="starttls", timeout=30)
    took = time.monotonic() - began
    assert result.diagnosis.code == "wrong_security"
    assert result.diagnosis.suggestion == {"security": "tls"}
    assert took < 5, f"took {took:.1f} s; the deadline was 30 s"
    assert ep.auth_attempts == []


def test_a_slow_greeter_is_not_mistaken_for_tls(lab):
    ep = lab.start("slow_greeter")
    result = check(lab, ep, security="none", username=None, timeout=15)
    assert result.ok, result.diagnosis
    greeting = next(s for s in result.steps if s.name.value == "greeting")
    assert greeting.duration is not None and greeting.duration >= 2.5


@pytest.mark.parametrize(
    ("scenario", "changes", "code"),
    [
        ("starttls_ok", {}, "auth_failed"),
        ("gmail_app_password", {}, "app_password_required"),
        ("m365_auth_disabled", {}, "auth_disabled_by_provider"),
        ("m365_basic_auth_off", {}, "auth_disabled_by_provider"),
        ("cpanel", {"username": "anna"}, "auth_failed"),
        ("oauth_only", {}, "auth_mechanism_unsupported"),
        ("no_auth_after_tls", {}, "auth_not_offered"),
    ],
)
def test_sign_in_failures(lab, scenario, changes, code):
    ep = lab.start(scenario)
    result = check(lab, ep, password="wrong-password-123", **changes)
    assert result.diagnosis.code == code, result.diagnosis
    assert result.diagnosis.step == "auth"
    assert "wrong-password-123" not in json.dumps(result.to_dict())


def test_cpanel_failure_tells_to_use_the_full_address(lab):
    ep = lab.start("cpanel")
    result = check(lab, ep, password="x", username="anna")
    assert "full email address" in result.diagnosis.fix


@pytest.mark.parametrize(
    ("scenario", "options", "code", "step"),
    [
        ("relay_denied", {"send_to": OUTSIDE}, "relay_denied", "rcpt_to"),
        (
            "sender_rejected",
            {"send_to": "bob@lab.test", "mail_from": "boss@lab.test"},
            "sender_rejected",
            "mail_from",
        ),
        (
            "sendas_denied",
            {"send_to": "bob@lab.test", "mail_from": "boss@lab.test"},
            "sender_rejected",
            "data",
        ),
        ("recipient_rejected", {"send_to": "nobody@lab.test"}, "recipient_rejected", "rcpt_to"),
        ("message_rejected", {"send_to": "bob@lab.test"}, "message_rejected", "data"),
    ],
)
def test_envelope_failures(lab, scenario, options, code, step):
    ep = lab.start(scenario)
    result = check(lab, ep, options=options)
    assert (result.diagnosis.code, result.diagnosis.step) == (code, step), result.diagnosis


def test_busy_server(lab):
    ep = lab.start("busy")
    assert check(lab, ep).diagnosis.code == "server_busy"


def test_relay_that_needs_no_sign_in(lab):
    ep = lab.start("relay_open_noauth")
    result = check(
        lab, ep, username=None, options={"send_to": "bob@lab.test", "mail_from": "web@lab.test"}
    )
    assert result.ok, result.diagnosis
    assert ep.wait_messages(1)


def test_plaintext_mail_to_a_starttls_server_needs_starttls(lab):
    ep = lab.start("starttls_ok")
    result = check(
        lab,
        ep,
        security="none",
        username=None,
        options={"send_to": "bob@lab.test", "mail_from": "anna@lab.test"},
    )
    assert result.diagnosis.code == "starttls_required"
    assert result.diagnosis.suggestion == {"security": "starttls"}


def test_closed_port(lab):
    ep = lab.start("closed")
    result = check(lab, ep)
    assert result.diagnosis.code == "connection_refused"
    assert "587" in result.diagnosis.fix


def test_silent_port_times_out_within_the_deadline(lab):
    ep = lab.start("silent")
    began = time.monotonic()
    result = check(lab, ep, timeout=3)
    took = time.monotonic() - began
    assert result.diagnosis.code == "timeout"
    assert 2.5 < took < 4.5
    assert "587" in result.diagnosis.fix


def test_unknown_name_and_dns_server_option(lab):
    # Only a DNS server of our own on loopback: the system resolver is not a test target.
    from smtpwizard.core.net.resolve import ResolverConfig
    from tests.discovery.servers import DnsServer, Zone

    ep = lab.start("starttls_ok")
    zone = Zone().add("mail.lab.test", "A", ep.host)
    with DnsServer(zone) as dns:
        resolver = ResolverConfig(dns_server=dns.address)
        missing = check(lab, ep, host="no-such-host.lab.test", options={"resolver": resolver})
        assert missing.diagnosis.code == "dns_not_found"
        # The certificate names localhost, so the found name is then a hostname mismatch:
        # proof that the connection went where our DNS server said.
        found = check(lab, ep, host="mail.lab.test", options={"resolver": resolver})
        assert found.diagnosis.code == "cert_hostname_mismatch"
        assert found.server.address == ep.host
        assert dns.asked("mail.lab.test", "A")
