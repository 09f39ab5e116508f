"""Reading the test message back from the mailbox it was sent to, over IMAP with TLS only.

imaplib (the standard library's IMAP4rev1 client) in a worker thread, every socket operation
under the caller's deadline. The message is found by its Message-ID in the inbox and then in the
junk folders (RFC 6154 \\Junk, or the usual names), so "it went to spam" is an answer too. Only
the header is fetched (BODY.PEEK: the message stays unread), and it is deleted only when asked.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import re
import ssl
import threading
import time
from dataclasses import dataclass

from ..net.tlsinfo import make_client_context
from ..servertext import printable
from ..settings import IncomingProtocol, IncomingServer, Security

__all__ = ["FetchedMessage", "MailboxError", "fetch_message"]

_JUNK_NAMES = ("junk", "spam", "junk e-mail", "junk email", "bulk mail", "[gmail]/spam")
_POLL = 1.0  # between searches while the message is on its way
_MAX_HEADER = 256 * 1024  # bytes of header we read; a real one is a few KiB


class MailboxError(Exception):
    """Could not read the message back; str() is a plain reason."""


@dataclass(frozen=True, slots=True)
class FetchedMessage:
    folder: str  # where it was found ("INBOX", "Junk", ...)
    in_junk: bool
    header: bytes
    deleted: bool


async def fetch_message(
    server: IncomingServer,
    username: str,
    password: str,
    message_id: str,
    *,
    timeout: float = 60.0,
    ca_file: str | None = None,
    delete: bool = False,
) -> FetchedMessage:
    """Wait (up to timeout) for the message with message_id and return its header."""
    if server.protocol is not IncomingProtocol.IMAP:
        raise MailboxError("Reading the test message back needs an IMAP server (not POP3).")
    if server.security is Security.NONE:
        raise MailboxError(
            "The incoming server is not encrypted; the message is read back only over TLS, so "
            "your password never travels readable."
        )
    if not re.fullmatch(r"<[\x21-\x7e]{3,250}>", message_id) or '"' in message_id:
        raise MailboxError(f"{printable(message_id)!r} is not a Message-ID we can search for.")
    context = make_client_context(ca_file, pinned=False)
    stop = threading.Event()
    work = asyncio.to_thread(
        _fetch, server, username, password, message_id, context, timeout, delete, stop
    )
    try:
        return await asyncio.wait_for(work, timeout + 5.0)  # the thread keeps its own deadline
    except TimeoutError as exc:
        raise MailboxError(f"{server.host} did not answer in time.") from exc
    finally:
        stop.set()


def _fetch(
    server: IncomingServer,
    username: str,
    password: str,
    message_id: str,
    context: ssl.SSLContext,
    timeout: float,
    delete: bool,
    stop: threading.Event,
) -> FetchedMessage:
    deadline = time.monotonic() + timeout
    step = max(1.0, min(timeout, 15.0))
    try:
        if server.security is Security.TLS:
            imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                server.host, server.port, ssl_context=context, timeout=step
            )
        else:
            imap = imaplib.IMAP4(server.host, server.port, timeout=step)
            imap.starttls(context)
    except ssl.SSLCertVerificationError as exc:
        raise MailboxError(
            f"{server.host}'s certificate could not be trusted ({exc.verify_message})."
        ) from exc
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailboxError(f"Could not open a secure connection to {server.host}: {exc}") from exc
    try:
        try:
            imap.login(username, password)
        except imaplib.IMAP4.error as exc:
            raise MailboxError(f"{server.host} refused the sign-in: {printable(str(exc))}") from exc
        folders = _folders(imap)
        while True:
            for folder, junk in folders:
                found = _find(imap, folder, message_id)
                if found is not None:
                    header = _header(imap, found)
                    if delete:
                        imap.uid("STORE", found, "+FLAGS.SILENT", r"(\Deleted)")
                        imap.expunge()
                    return FetchedMessage(folder, junk, header, delete)
            if time.monotonic() + _POLL > deadline or stop.wait(_POLL):
                raise MailboxError(
                    f"The test message did not arrive in {username}'s mailbox within "
                    f"{timeout:g} s (looked in {', '.join(f for f, _ in folders)})."
                )
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailboxError(f"Reading the mailbox failed: {printable(str(exc))}") from exc
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            imap.logout()


def _folders(imap: imaplib.IMAP4) -> list[tuple[str, bool]]:
    folders = [("INBOX", False)]
    status, lines = imap.list()
    for line in lines if status == "OK" else []:
        if not isinstance(line, bytes):
            continue
        match = re.match(rb'\((?P<flags>[^)]*)\) (?:"[^"]*"|NIL) (?P<name>.+)$', line)
        if match is None:
            continue
        name = match.group("name").decode("utf-8", "replace").strip('"')
        flags = match.group("flags").decode("ascii", "replace").lower()
        if "\\junk" in flags or name.lower() in _JUNK_NAMES:
            folders.append((name, True))
    return folders[:6]


def _find(imap: imaplib.IMAP4, folder: str, message_id: str) -> str | None:
    status, _ = imap.select(f'"{folder}"', readonly=False)
    if status != "OK":
        return None
    status, data = imap.uid("SEARCH", "HEADER", "Message-ID", f'"{message_id}"')
    if status != "OK" or not data or not data[0]:
        return None
    uids = data[0].split() if isinstance(data[0], bytes) else []
    return uids[-1].decode("ascii") if uids else None


def _header(imap: imaplib.IMAP4, uid: str) -> bytes:
    status, data = imap.uid("FETCH", uid, f"(BODY.PEEK[HEADER]<0.{_MAX_HEADER}>)")
    for item in data if status == "OK" else []:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    raise MailboxError("The server found the message but did not send its header.")
