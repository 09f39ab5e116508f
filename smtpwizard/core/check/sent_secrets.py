"""Every form in which a secret we sent can come back, so an echo of it can be scrubbed.

Why alignment matters: a server that echoes what it received may echo the base64 it got (an
AUTH PLAIN blob "\\0user\\0password", the LOGIN password line) or re-encode it. base64 turns 3
bytes into 4 characters, so the characters that carry the password depend on where the password
starts in the encoded data, modulo 3: the username's length decides it for AUTH PLAIN, and
scrubbing only base64(password) misses two of the three cases. For each of the three
alignments, the characters that depend on the password's bytes alone are a fixed string; any
base64 that contains the password contains one of them.

Redaction is no oracle: these forms are scrubbed only from what the server says after we sent
the secret (it cannot know it before), never from our own text, host names or the greeting, so
a weak password such as "victim" is not revealed by "mail.<hidden>.test".
"""

from __future__ import annotations

import base64

__all__ = ["secret_forms"]

_MIN_CORE = 4  # shorter cores are too common to scrub and carry at most 2 bytes of the secret


def _base64_cores(secret: bytes) -> list[str]:
    cores = []
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + secret).decode("ascii")
        # Character c carries bits [6c, 6c+6) of the padded buffer: keep those inside the secret.
        first = -(-8 * offset // 6)
        last = (8 * (offset + len(secret))) // 6
        core = encoded[first:last]
        if len(core) >= _MIN_CORE:
            cores.append(core)
    return cores


def secret_forms(secret: str, payloads: tuple[bytes, ...] = ()) -> list[str]:
    """The secret itself, the base64 of each whole payload that carried it, and the secret's
    base64 at every alignment; longest first, so a whole blob is replaced before its parts."""
    raw = secret.encode("utf-8")
    forms = {secret, *_base64_cores(raw)}
    forms.update(base64.b64encode(p).decode("ascii") for p in payloads)
    return sorted((f for f in forms if f), key=len, reverse=True)
