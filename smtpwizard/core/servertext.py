"""The boundary for text a server or a document controls: what passes here is safe to show.

SMTP replies, certificate names, DNS names and configuration documents are written by whoever
answers; they reach terminals, Qt labels, JSON and HTML only through this module.
"""

from __future__ import annotations

__all__ = ["printable"]


def printable(data: bytes | str) -> str:
    """Server text for people: invalid UTF-8 and control bytes become visible replacements."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    text = data.decode("utf-8", "replace")
    return "".join(ch if ch.isprintable() or ch == "\t" else "\ufffd" for ch in text)
