"""Certificate scenarios fail verification for their exact reason; good ones verify by name/IP."""

from __future__ import annotations

import ssl
from typing import Any

import aiosmtplib
import pytest

from tests.labkit import Lab

from .helpers import client, peer_fingerprint, starttls_socket

pytestmark = pytest.mark.timeout(30)

EXPIRED, SELF_SIGNED, HOSTNAME_MISMATCH, IP_MISMATCH = 10, 18, 62, 64


async def _verify_error(ep: Any, lab: Lab, name: str = "localhost") -> ssl.SSLCertVerificationError:
    smtp = client(ep, lab, hostname=name)
    try:
        await smtp.connect()
    except ssl.SSLCertVerificationError as error:  # STARTTLS: raw
        return error
    except aiosmtplib.SMTPConnectError as error:  # implicit TLS: wrapped
        assert isinstance(error.__cause__, ssl.SSLCertVerificationError), repr(error.__cause__)
        return error.__cause__
    finally:
        smtp.close()
    raise AssertionError("the certificate was accepted")


@pytest.mark.parametrize(
    ("scenario", "code", "reason"),
    [
        ("expired", EXPIRED, "certificate has expired"),
        ("self_signed", SELF_SIGNED, "self-signed certificate"),
        ("hostname_mismatch", HOSTNAME_MISMATCH, "Hostname mismatch"),
        ("self_signed_tls", SELF_SIGNED, "self-signed certificate"),
    ],
)
async def test_verification_fails_for_the_right_reason(
    lab: Lab, scenario: str, code: int, reason: str
) -> None:
    ep = lab.start(scenario)
    error = await _verify_error(ep, lab)
    assert error.verify_code == code
    assert reason in error.verify_message
    assert ep.auth_attempts == []


async def test_certificate_scenarios_log_in_when_verification_is_off(lab: Lab) -> None:
    for scenario in ("expired", "self_signed", "hostname_mismatch", "self_signed_tls"):
        ep = lab.start(scenario)
        smtp = client(ep, lab, validate_certs=False)
        await smtp.connect()
        await smtp.login(lab.username, lab.password)
        await smtp.quit()
        assert len(ep.auth_attempts) == 1


async def test_hostname_mismatch_by_ip_address(lab: Lab) -> None:
    error = await _verify_error(lab.start("hostname_mismatch"), lab, name="127.0.0.1")
    assert error.verify_code == IP_MISMATCH
    assert "IP address mismatch" in error.verify_message


def test_hostname_mismatch_verifies_under_its_own_name(lab: Lab) -> None:
    ep = lab.start("hostname_mismatch")
    assert ep.tls_name == "box123.lab-hosting.test"
    tls, _ = starttls_socket(ep, lab.ca_file, ep.tls_name)
    with tls:
        assert peer_fingerprint(tls) == ep.fingerprint


@pytest.mark.parametrize("name", ["localhost", "127.0.0.1"])
def test_good_certificate_covers_localhost_and_ip(lab: Lab, name: str) -> None:
    ep = lab.start("starttls_ok")
    tls, ehlo = starttls_socket(ep, lab.ca_file, name)
    with tls:
        assert peer_fingerprint(tls) == ep.fingerprint
    assert b"250-STARTTLS" in ehlo


def test_self_signed_is_not_from_the_lab_ca(lab: Lab) -> None:
    ep = lab.start("self_signed")
    with pytest.raises(ssl.SSLCertVerificationError) as failed:
        starttls_socket(ep, lab.ca_file, "localhost")
    assert failed.value.verify_code == SELF_SIGNED
    fingerprints = {lab.start(s).fingerprint for s in ("starttls_ok", "self_signed", "expired")}
    assert len(fingerprints) == 3 and all(f and len(f) == 64 for f in fingerprints)


async def test_bound_address_is_in_the_certificate(lab: Lab) -> None:
    ep = lab.start("starttls_ok", host="127.0.0.2")
    assert ep.host == "127.0.0.2"
    tls, _ = starttls_socket(ep, lab.ca_file, "127.0.0.2")
    tls.close()
    smtp = client(ep, lab)
    await smtp.connect()
    await smtp.login(lab.username, lab.password)
    await smtp.quit()
