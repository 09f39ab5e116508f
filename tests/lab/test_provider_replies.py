"""Provider AUTH replies and envelope refusals come back with the exact codes and texts."""

from __future__ import annotations

import aiosmtplib
import pytest

from tests.labkit import AuthAttempt, Lab

from .helpers import client, message, plain_b64

pytestmark = pytest.mark.timeout(30)

PROVIDER_REPLIES = [
    (
        "gmail_app_password",
        534,
        "5.7.9 Application-specific password required. Learn more at\n"
        "5.7.9 https://support.google.com/mail/?p=InvalidSecondFactor",
    ),
    (
        "m365_auth_disabled",
        535,
        "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. "
        "Visit https://aka.ms/smtp_auth_disabled for more information.",
    ),
    (
        "m365_basic_auth_off",
        550,
        "5.7.30 Basic authentication is not supported for Client Submission.",
    ),
]


@pytest.mark.parametrize(("scenario", "code", "text"), PROVIDER_REPLIES)
async def test_provider_auth_reply(lab: Lab, scenario: str, code: int, text: str) -> None:
    ep = lab.start(scenario)
    assert ep.username is None and ep.password is None  # nothing logs in here
    smtp = client(ep, lab)
    await smtp.connect()
    await smtp.ehlo()
    with pytest.raises(aiosmtplib.SMTPAuthenticationError) as failed:
        await smtp.auth_plain(lab.username, lab.password)  # even the right password
    assert (failed.value.code, failed.value.message) == (code, text)
    await smtp.quit()
    assert ep.auth_attempts == [AuthAttempt("PLAIN", lab.username, encrypted=True)]


async def test_cpanel_wants_the_full_address(lab: Lab) -> None:
    ep = lab.start("cpanel")
    smtp = client(ep, lab)
    await smtp.connect()
    await smtp.ehlo()
    with pytest.raises(aiosmtplib.SMTPAuthenticationError) as failed:
        await smtp.auth_plain("anna", lab.password)
    assert (failed.value.code, failed.value.message) == (535, "Incorrect authentication data")
    await smtp.auth_login(lab.username, lab.password)
    await smtp.quit()
    assert [(a.mechanism, a.username) for a in ep.auth_attempts] == [
        ("PLAIN", "anna"),
        ("LOGIN", "anna@lab.test"),
    ]


async def test_oauth_only_advertises_just_xoauth2(lab: Lab) -> None:
    ep = lab.start("oauth_only")
    smtp = client(ep, lab)
    await smtp.connect()
    await smtp.ehlo()
    assert smtp.server_auth_methods == ["xoauth2"]
    plain = await smtp.execute_command(b"AUTH", b"PLAIN", plain_b64(lab.username, "x").encode())
    assert plain.code == 504
    with pytest.raises(aiosmtplib.SMTPAuthenticationError) as failed:
        await smtp.auth_xoauth2(lab.username, "not-a-real-token")
    assert failed.value.code == 535
    await smtp.quit()
    assert [(a.mechanism, a.username) for a in ep.auth_attempts] == [
        ("PLAIN", lab.username),
        ("XOAUTH2", lab.username),
    ]


async def test_no_auth_after_tls(lab: Lab) -> None:
    ep = lab.start("no_auth_after_tls")
    smtp = client(ep, lab)
    await smtp.connect()
    await smtp.ehlo()
    assert smtp.get_transport_info("ssl_object") is not None
    assert not smtp.supports_extension("auth")
    with pytest.raises(aiosmtplib.SMTPException):
        await smtp.login(lab.username, lab.password)  # the client refuses: nothing offered
    reply = await smtp.execute_command(b"AUTH", b"LOGIN")
    assert reply.code == 502
    await smtp.quit()
    assert ep.auth_attempts == [AuthAttempt("LOGIN", None, encrypted=True)]


async def _logged_in(ep: object, lab: Lab) -> aiosmtplib.SMTP:
    smtp = client(ep, lab)
    await smtp.connect()
    await smtp.login(lab.username, lab.password)
    return smtp


async def test_relay_denied_outside_the_domain(lab: Lab) -> None:
    ep = lab.start("relay_denied")
    smtp = await _logged_in(ep, lab)
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        await smtp.sendmail(lab.username, ["x@elsewhere.example"], b"Subject: x\r\n\r\nx\r\n")
    [error] = refused.value.recipients
    assert (error.code, error.message) == (554, "5.7.1 <x@elsewhere.example>: Relay access denied")
    await smtp.rset()
    await smtp.sendmail(lab.username, ["bob@lab.test"], message(lab.username, "bob@lab.test"))
    await smtp.quit()
    assert [m.rcpt_tos for m in ep.messages] == [["bob@lab.test"]]


async def test_sender_rejected_unless_the_login(lab: Lab) -> None:
    ep = lab.start("sender_rejected")
    smtp = await _logged_in(ep, lab)
    with pytest.raises(aiosmtplib.SMTPSenderRefused) as refused:
        await smtp.sendmail("boss@lab.test", ["bob@lab.test"], b"x\r\n")
    assert (refused.value.code, refused.value.message) == (
        553,
        "5.7.1 <boss@lab.test>: Sender address rejected: not owned by user anna@lab.test",
    )
    await smtp.sendmail(lab.username, ["bob@lab.test"], message(lab.username, "bob@lab.test"))
    await smtp.quit()
    assert len(ep.messages) == 1


async def test_sendas_denied_at_end_of_data(lab: Lab) -> None:
    ep = lab.start("sendas_denied")
    smtp = await _logged_in(ep, lab)
    with pytest.raises(aiosmtplib.SMTPDataError) as refused:
        await smtp.sendmail(
            "boss@lab.test", ["bob@lab.test"], message("boss@lab.test", "bob@lab.test")
        )
    assert (refused.value.code, refused.value.message) == (
        554,
        "5.2.252 SendAsDenied; anna@lab.test not allowed to send as boss@lab.test",
    )
    # The From: header counts too, as in Exchange Online.
    with pytest.raises(aiosmtplib.SMTPDataError):
        await smtp.sendmail(
            lab.username, ["bob@lab.test"], message("boss@lab.test", "bob@lab.test")
        )
    await smtp.sendmail(lab.username, ["bob@lab.test"], message(lab.username, "bob@lab.test"))
    await smtp.quit()
    assert len(ep.messages) == 1


async def test_recipient_rejected(lab: Lab) -> None:
    ep = lab.start("recipient_rejected")
    smtp = await _logged_in(ep, lab)
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        await smtp.sendmail(lab.username, ["nobody@lab.test"], b"x\r\n")
    [error] = refused.value.recipients
    assert (error.code, error.message) == (
        550,
        "5.1.1 <nobody@lab.test>: Recipient address rejected: User unknown",
    )
    await smtp.quit()


async def test_message_rejected_as_spam(lab: Lab) -> None:
    ep = lab.start("message_rejected")
    smtp = await _logged_in(ep, lab)
    with pytest.raises(aiosmtplib.SMTPDataError) as refused:
        await smtp.sendmail(lab.username, ["bob@lab.test"], message(lab.username, "bob@lab.test"))
    assert (refused.value.code, refused.value.message) == (554, "5.7.1 Message rejected as spam")
    await smtp.quit()
    assert ep.messages == []
