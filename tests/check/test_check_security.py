"""Credentials never travel unencrypted; certificates are verified; trust is explicit and pinned."""

from __future__ import annotations

import json

from smtpwizard.core.net.resolve import ResolverConfig

from .helpers import check


def test_plaintext_server_gets_no_password_unless_allowed(lab):
    ep = lab.start("plain_ok")
    result = check(lab, ep, security="none")
    assert result.diagnosis.code == "plaintext_auth_refused"
    assert ep.auth_attempts == []
    allowed = check(lab, ep, security="none", allow_insecure_auth=True)
    assert allowed.ok, allowed.diagnosis
    assert [a.encrypted for a in ep.auth_attempts] == [False]


def test_plaintext_auth_server_in_starttls_mode_gets_nothing(lab):
    ep = lab.start("plain_ok")
    result = check(lab, ep, security="starttls")
    assert result.diagnosis.code == "starttls_unavailable"
    assert ep.auth_attempts == []


def test_starttls_stripped_by_a_man_in_the_middle(lab):
    ep = lab.start("starttls_stripped")
    result = check(lab, ep, security="starttls")
    assert result.diagnosis.code == "starttls_unavailable"
    assert ep.wait_idle()
    assert ep.auth_attempts == []


def test_starttls_offered_but_failing(lab):
    ep = lab.start("starttls_fails")
    result = check(lab, ep, security="starttls")
    assert result.diagnosis.code == "starttls_unavailable"
    assert "454" in result.diagnosis.technical
    assert ep.wait_idle()
    assert ep.auth_attempts == []


def test_starttls_accepted_then_plaintext(lab):
    ep = lab.start("starttls_then_plain")
    result = check(lab, ep, security="starttls", timeout=8)
    assert result.diagnosis.code == "tls_handshake_failed"
    assert ep.wait_idle()
    assert ep.auth_attempts == []


def test_self_signed_is_refused_then_trusted_only_by_fingerprint(lab):
    ep = lab.start("self_signed")
    first = check(lab, ep)
    d = first.diagnosis
    assert d.code == "cert_untrusted"
    assert d.needs_consent
    assert d.suggestion == {"trusted_fingerprint": ep.fingerprint}
    assert first.certificate_seen and first.certificate_seen["fingerprint_sha256"] == ep.fingerprint
    assert ep.auth_attempts == []
    pinned = check(lab, ep, trusted_fingerprint=ep.fingerprint)
    assert pinned.ok, pinned.diagnosis
    assert pinned.tls is not None and pinned.tls.pinned


def test_a_changed_pinned_certificate_stops_before_sign_in(lab):
    ep = lab.start("self_signed")
    result = check(lab, ep, trusted_fingerprint="00" * 32)
    assert result.diagnosis.code == "cert_changed"
    assert result.diagnosis.needs_consent
    assert ep.wait_idle()
    assert ep.auth_attempts == []


def test_self_signed_implicit_tls(lab):
    ep = lab.start("self_signed_tls")
    result = check(lab, ep)
    assert result.diagnosis.code == "cert_untrusted"
    assert result.diagnosis.suggestion == {"trusted_fingerprint": ep.fingerprint}
    assert check(lab, ep, trusted_fingerprint=ep.fingerprint).ok


def test_hostname_mismatch_suggests_the_certificates_name_which_then_works(lab):
    ep = lab.start("hostname_mismatch")
    result = check(lab, ep)
    assert result.diagnosis.code == "cert_hostname_mismatch"
    assert result.diagnosis.suggestion == {"host": ep.tls_name}
    assert ep.tls_name in result.diagnosis.explanation
    # The shared-hosting case: the certificate's own name, resolved to the same server.
    resolver = ResolverConfig(overrides={ep.tls_name: ep.host})
    fixed = check(lab, ep, host=ep.tls_name, options={"resolver": resolver})
    assert fixed.ok, fixed.diagnosis


def test_expired_certificate(lab):
    ep = lab.start("expired")
    result = check(lab, ep)
    assert result.diagnosis.code == "cert_expired"
    assert result.diagnosis.suggestion is None
    assert ep.auth_attempts == []


def test_password_is_redacted_everywhere(lab):
    ep = lab.start("starttls_ok")
    result = check(lab, ep, options={"send_to": "bob@lab.test"})
    text = json.dumps(result.to_dict())
    assert ep.password and ep.password not in text
    import base64

    plain = base64.b64encode(f"\0{ep.username}\0{ep.password}".encode()).decode()
    assert plain not in text
    auth_lines = [line for line in result.transcript if line.startswith("C: AUTH")]
    assert auth_lines == ["C: AUTH PLAIN <hidden: sign-in data>"]


def test_login_and_xoauth2_payloads_are_redacted():
    """AUTH LOGIN sends the password as a bare line after a 334 challenge; XOAUTH2 in the AUTH."""
    import base64

    from smtpwizard.core.check.tracing_smtp import TracingSMTP
    from smtpwizard.core.check.transcript import Transcript

    transcript = Transcript()
    transcript.add_secret("s3cret!")
    smtp = TracingSMTP(transcript, hostname="localhost")
    user = base64.b64encode(b"anna").decode().encode()
    assert smtp._describe((b"AUTH", b"LOGIN", user)) == "AUTH LOGIN <hidden: sign-in data>"
    smtp._in_auth = True  # what a 334 reply to AUTH sets
    password_line = base64.b64encode(b"s3cret!")
    assert smtp._describe((password_line,)) == "<hidden: sign-in data>"
    token = base64.b64encode(b"user=anna\x01auth=Bearer tok\x01\x01")
    smtp._in_auth = False
    assert smtp._describe((b"AUTH", b"XOAUTH2", token)) == "AUTH XOAUTH2 <hidden: sign-in data>"
    # Second guard: the secret never survives into a line, even echoed by a server.
    transcript.server(535, "bad password s3cret! " + password_line.decode())
    assert "s3cret!" not in "\n".join(transcript.lines)
    assert password_line.decode() not in "\n".join(transcript.lines)
