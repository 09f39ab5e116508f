"""A bounded, redacted record of the SMTP conversation, safe to show and to paste in a ticket."""

from __future__ import annotations

import time

from ..servertext import printable
from .sent_secrets import secret_forms

REDACTED = "<hidden: sign-in data>"
MAX_LINES = 400
MAX_LINE_CHARS = 500


class Transcript:
    """Lines prefixed "C:" (we sent), "S:" (server said) or "*" (what we did or saw).

    Sign-in payloads never enter it: AUTH arguments and every reply to a 334 challenge are
    replaced by a marker. As a second guard, once a secret has been sent (add_secret), every
    form of it (sent_secrets.py) is scrubbed from what the server says and from our notes that
    quote it; lines we send, and anything said before, are not touched (no redaction oracle).
    """

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._dropped = 0
        self._secrets: list[str] = []
        self._start = time.monotonic()

    def add_secret(self, secret: str | None, payloads: tuple[bytes, ...] = ()) -> None:
        """Call just before sending secret (in payloads, as sent): from here on it is scrubbed."""
        if not secret:
            return
        self._secrets = sorted({*self._secrets, *secret_forms(secret, payloads)}, key=len)[::-1]

    def scrub(self, text: str) -> str:
        """Every sent secret's forms removed from text (a reply, a diagnosis built from one)."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def _add(self, prefix: str, text: str) -> None:
        for line in text.splitlines() or [""]:
            if len(self._lines) >= MAX_LINES:
                self._dropped += 1
                continue
            line = printable(line) if prefix == "C:" else self.scrub(printable(line))
            if len(line) > MAX_LINE_CHARS:
                line = f"{line[:MAX_LINE_CHARS]}… ({len(line)} characters in all)"
            self._lines.append(f"{prefix} {line}")

    def client(self, text: str) -> None:
        self._add("C:", text)

    def server(self, code: int, message: str) -> None:
        lines = message.splitlines() or [""]
        for index, line in enumerate(lines):
            sep = " " if index == len(lines) - 1 else "-"
            self._add("S:", f"{code}{sep}{line}")

    def note(self, text: str) -> None:
        self._add("*", text)

    @property
    def lines(self) -> list[str]:
        if self._dropped:
            return [*self._lines, f"* ({self._dropped} more lines not kept)"]
        return list(self._lines)
