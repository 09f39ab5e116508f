"""The one boundary for text a server or a document controls.

SMTP replies, certificate names, DNS names and autoconfig texts are written by whoever answers,
and they reach terminals (which obey ESC/CSI/OSC sequences: clear the screen, retitle the window,
move the cursor over a fingerprint), Qt widgets, JSON, HTML and PDF. Everything from outside
passes `clean()` where it enters our data, and the command line passes its whole output through
it once more before writing (`clean_tree` for JSON), so one missed path is not a hole.

What clean() guarantees: the result is valid Unicode (no surrogates, so it always encodes to
UTF-8), holds no C0/C1 control character, DEL, bidi control, zero-width or other invisible
format character, and no line or paragraph separator. Such characters are not dropped but made
visible (a terminal's ESC becomes the symbol ␛, U+202E becomes "<U+202E>"), so a person reading a
reply can see that the server sent something odd. Markup is not this module's business: text
stays text, and each output escapes it for its own format (Qt.PlainText labels, html.escape).
"""

from __future__ import annotations

import unicodedata
from typing import Any

__all__ = ["clean", "clean_tree", "printable"]

_CONTROL_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}
_CONTROL_PICTURES[0x7F] = "\u2421"  # ␡
_INVISIBLE = frozenset({"Cc", "Cf", "Co", "Cn", "Zl", "Zp"})


def _visible(ch: str) -> str:
    code = ord(ch)
    picture = _CONTROL_PICTURES.get(code)
    if picture is not None:
        return picture
    category = unicodedata.category(ch)
    if category == "Cs":  # a byte that was not UTF-8 (surrogateescape) or a lone surrogate
        return "\ufffd"
    if category in _INVISIBLE:
        return f"<U+{code:04X}>"
    return ch


def clean(data: bytes | str, *, multiline: bool = False) -> str:
    """Server or document text made safe to show anywhere (see the module docstring).

    bytes are decoded as UTF-8 with invalid sequences shown as U+FFFD. multiline=True keeps
    line breaks (CRLF and LF become LF) and tabs; otherwise they are shown as symbols or spaces.
    Idempotent: clean(clean(x)) == clean(x).
    """
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    if text.isprintable():  # the common case, and what the loop below would give
        return text
    if multiline:
        text = text.replace("\r\n", "\n")
    out: list[str] = []
    for ch in text:
        if ch.isprintable():
            out.append(ch)
        elif ch == "\t":
            out.append("\t" if multiline else " ")
        elif ch == "\n" and multiline:
            out.append(ch)
        elif ch.isspace() and unicodedata.category(ch) == "Zs":
            out.append(ch)  # no-break and other spaces: harmless, shown as spaces
        else:
            out.append(_visible(ch))
    return "".join(out)


def printable(data: bytes | str) -> str:
    """clean() on one line: the name the check engine and diagnoses use."""
    return clean(data)


def clean_tree(value: Any) -> Any:
    """clean(multiline=True) applied to every string in a JSON-like value, keys included."""
    if isinstance(value, str):
        return clean(value, multiline=True)
    if isinstance(value, dict):
        return {clean_tree(k): clean_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_tree(v) for v in value]
    return value
