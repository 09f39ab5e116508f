"""The well-behaved lab servers accept the lab login and mail, over exactly their security."""

from __future__ import annotations

import asyncio

import aiosmtplib
import pytest

from smtpwizard.core.settings import Security
from tests.labkit import AuthAttempt, Lab

from .helpers import LineSocket, client, connect, message, plain_b64

pytestmark = pytest.mark.timeout(30)


async def test_starttls_ok_login_and_send(lab: Lab) -> None:
    ep = lab.start("starttls_ok")
    assert ep.security is Security.STARTTLS and ep.tls_name == "localhost"
    assert (ep.username, ep.password) == ("anna@lab.test", lab.password)
    smtp = client(ep, lab)
    await smtp.connect()
    await smtp.ehlo()
    assert smtp.get_transport_info("ssl_object") is not None
    assert sorted(smtp.server_auth_methods) == ["login", "plain"]
    await smtp.login(lab.username, lab.password)
    errors, reply = await smtp.sendmail(
        lab.username, ["bob@lab.test"], message(lab.username, "bob@lab.test")
    )
    await smtp.quit()
    assert errors == {} and reply.startswith("2.0.0 Ok: queued")
    assert ep.wait_messages(1)
    [got] = ep.messages
    assert got.mail_from == "anna@lab.test" and got.rcpt_tos == ["bob@lab.test"]
    assert b"Hello from the lab tests." in got.data
    assert ep.auth_attempts == [AuthAttempt("PLAIN", "anna@lab.test", encrypted=True)]
    assert ep.connections == 1


async def test_starttls_ok_wrong_password_and_no_login(lab: Lab) -> None:
    ep = lab.start("starttls_ok")
    smtp = client(ep, lab)
    await smtp.connect()
    await smtp.ehlo()
    with pytest.raises(aiosmtplib.SMTPAuthenticationError) as failed:
        await smtp.auth_plain(lab.username, "wrong")
    assert (failed.value.code, failed.value.message) == (
        535,
        "5.7.8 Authentication credentials invalid",
    )
    with pytest.raises(aiosmtplib.SMTPSenderRefused) as refused:
        await smtp.sendmail(lab.username, ["bob@lab.test"], b"x\r\n")
    assert (refused.value.code, refused.value.message) == (530, "5.7.0 Authentication required")
    await smtp.quit()
    assert ep.auth_attempts == [AuthAttempt("PLAIN", "anna@lab.test", encrypted=True)]
    assert ep.messages == []


def test_starttls_ok_refuses_plaintext_mail_and_auth(lab: Lab) -> None:
    ep = lab.start("starttls_ok")
    with connect(ep) as sock:
        conn = LineSocket(sock)
        assert conn.read_reply() == [b"220 lab.test ESMTP smtpwizard-lab"]
        ehlo = conn.command("EHLO client.test")
        assert b"250-STARTTLS" in ehlo and not any(b"AUTH" in line for line in ehlo)
        assert conn.command("MAIL FROM:<anna@lab.test>") == [
            b"530 5.7.0 Must issue a STARTTLS command first"
        ]
        auth = conn.command(f"AUTH PLAIN {plain_b64('anna@lab.test', 'guess')}")
        assert auth == [b"530 5.7.0 Must issue a STARTTLS command first"]
        assert conn.command("QUIT")[0].startswith(b"221")
    assert ep.wait_idle()
    assert ep.auth_attempts == [AuthAttempt("PLAIN", "anna@lab.test", encrypted=False)]


async def test_tls_ok_implicit_tls_shows_auth(lab: Lab) -> None:
    ep = lab.start("tls_ok")
    assert ep.security is Security.TLS
    smtp = client(ep, lab)
    await smtp.connect()
    await smtp.ehlo()
    assert smtp.get_transport_info("ssl_object") is not None
    assert sorted(smtp.server_auth_methods) == ["login", "plain"]
    await smtp.auth_login(lab.username, lab.password)
    await smtp.sendmail(lab.username, ["bob@lab.test"], message(lab.username, "bob@lab.test"))
    await smtp.quit()
    assert ep.wait_messages(1)
    assert ep.auth_attempts == [AuthAttempt("LOGIN", "anna@lab.test", encrypted=True)]


async def test_tls_ok_refuses_a_plaintext_client(lab: Lab) -> None:
    ep = lab.start("tls_ok")
    smtp = client(ep, lab, use_tls=False, start_tls=True, timeout=0.5)
    with pytest.raises(aiosmtplib.SMTPConnectTimeoutError):
        await smtp.connect()  # it waits for a TLS hello; we wait for a greeting
    smtp.close()
    # A blocking wait would stall this test's own loop (and the client's close): use a thread.
    assert await asyncio.to_thread(ep.wait_idle)
    assert ep.auth_attempts == []


async def test_plain_ok_offers_auth_in_plaintext(lab: Lab) -> None:
    ep = lab.start("plain_ok")
    assert ep.security is Security.NONE and ep.tls_name is None and ep.fingerprint is None
    smtp = client(ep, lab)
    await smtp.connect()
    await smtp.ehlo()
    assert not smtp.supports_extension("starttls")
    assert sorted(smtp.server_auth_methods) == ["login", "plain"]
    await smtp.login(lab.username, lab.password)
    await smtp.sendmail(lab.username, ["bob@lab.test"], message(lab.username, "bob@lab.test"))
    await smtp.quit()
    assert ep.wait_messages(1)
    assert [a.encrypted for a in ep.auth_attempts] == [False]


async def test_relay_open_noauth_takes_mail_without_login(lab: Lab) -> None:
    ep = lab.start("relay_open_noauth")
    assert ep.username is None and ep.password is None
    smtp = client(ep, lab)
    await smtp.connect()
    await smtp.ehlo()
    assert smtp.server_auth_methods == [] and not smtp.supports_extension("auth")
    reply = await smtp.execute_command(b"AUTH", b"PLAIN", plain_b64("web@lab.test", "x").encode())
    assert reply.code == 502
    await smtp.sendmail("web@lab.test", ["bob@lab.test"], message("web@lab.test", "bob@lab.test"))
    await smtp.quit()
    assert ep.wait_messages(1)
    assert ep.auth_attempts == [AuthAttempt("PLAIN", "web@lab.test", encrypted=True)]


async def test_invalid_utf8_greeting_then_working_session(lab: Lab) -> None:
    ep = lab.start("invalid_utf8")
    with connect(ep) as sock:
        assert LineSocket(sock).read_line() == b"220 lab.test \xff\xfe\xc3\x28 ESMTP"
    smtp = client(ep, lab)
    await smtp.connect()
    await smtp.login(lab.username, lab.password)
    await smtp.sendmail(lab.username, ["bob@lab.test"], message(lab.username, "bob@lab.test"))
    await smtp.quit()
    assert ep.wait_messages(1)
