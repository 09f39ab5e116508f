"""The optional test message: short, clearly labelled, and only to the address the user chose."""

from __future__ import annotations

import email.utils
from email.message import EmailMessage

import aiosmtplib

from .. import diagnosis as dx
from .failures import StepFailure
from .session import CheckSession
from .steps import StepName, StepStatus

# Codes a refusal at RCPT can have that are about the sender or the client, not the recipient.
_ABOUT_THE_SENDER = frozenset({"sender_rejected", "auth_required", "client_blocked"})

TEST_BODY = (
    "Hello,\n\n"
    "this is a test message sent by smtpwizard while checking the outgoing mail settings\n"
    "for {host} (port {port}). If you received it, sending mail with these settings works.\n\n"
    "You can delete this message; there is nothing else to do.\n"
)


def build_test_message(sender: str, recipient: str, host: str, port: int) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = "smtpwizard test message"
    message["Date"] = email.utils.formatdate(localtime=True)
    message["Message-ID"] = email.utils.make_msgid(domain=sender.rsplit("@", 1)[-1])
    message["Auto-Submitted"] = "auto-generated"
    message["X-Mailer"] = "smtpwizard"
    message.set_content(TEST_BODY.format(host=host, port=port))
    return message.as_bytes()


async def send_test_message(run: CheckSession) -> None:
    smtp = run.smtp
    assert smtp is not None
    recipient = run.options.send_to or ""
    sender = run.options.mail_from or run.settings.username or ""
    limit = run.limits.command
    async with run.step(StepName.MAIL_FROM, limit) as step:
        try:
            await smtp.mail(sender)
        except aiosmtplib.SMTPResponseException as exc:
            raise _reply_failure(run, StepName.MAIL_FROM, exc) from exc
        step.detail = f"the server accepts {sender} as the sender"
    async with run.step(StepName.RCPT_TO, limit) as step:
        try:
            await smtp.rcpt(recipient)
        except aiosmtplib.SMTPResponseException as exc:
            failure = _reply_failure(run, StepName.RCPT_TO, exc)
            if failure.diagnosis.code in _ABOUT_THE_SENDER:
                # The 250 to MAIL FROM was provisional (Postfix's smtpd_delay_reject): the
                # refusal at RCPT is about the sender or the client, so that step failed.
                mail_from = run.steps[StepName.MAIL_FROM]
                mail_from.status = StepStatus.FAILED
                mail_from.detail = f"refused at the next step: {failure.diagnosis.title.lower()}"
                run.emit(mail_from)
            raise failure from exc
        step.detail = f"the server accepts {recipient} as the recipient"
    data = build_test_message(sender, recipient, run.settings.host, run.settings.port)
    async with run.step(StepName.DATA, run.limits.data) as step:
        try:
            response = await smtp.traced_data(data)
        except aiosmtplib.SMTPResponseException as exc:
            raise _reply_failure(run, StepName.DATA, exc) from exc
        run.message_sent = True
        run.message_id = _message_id(data)
        step.detail = f"the server took the message ({dx.shorten(response.message, 80)})"


def _message_id(data: bytes) -> str | None:
    head = data.split(b"\n\n", 1)[0]
    for line in head.splitlines():
        if line.lower().startswith(b"message-id:"):
            return line.split(b":", 1)[1].strip().decode("ascii", "replace")
    return None


def _reply_failure(
    run: CheckSession, name: StepName, exc: aiosmtplib.SMTPResponseException
) -> StepFailure:
    return StepFailure(name, dx.classify_reply(name.value, exc.code, exc.message, run.context))
