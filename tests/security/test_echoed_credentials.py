"""A server that echoes what we sent at sign-in gets nothing back out of us; redaction is no oracle.

A scripted server (real STARTTLS, trustme certificate) answers AUTH with 535 and everything it
received: the base64 lines as sent, the decoded password, and the password re-encoded on its
own. Usernames of several lengths move the password across all three base64 alignments inside
the AUTH PLAIN blob (before the fix, some lengths escaped the scrubber). The real
`smtpwizard check` runs in a child; its JSON (diagnosis explanation and technical, transcript,
every field) and its human output must hold the password in no form at all.

The reverse: a weak password that also appears in text the server sent before it had the
password (a greeting naming mail.victim.test) or in our own text (the host name) must not be
blanked there, or the blank itself tells the password.
"""

from __future__ import annotations

import base64
import json
import ssl
from pathlib import Path

import pytest
import trustme

from smtpwizard.core.check.sent_secrets import secret_forms
from smtpwizard.core.check.transcript import REDACTED

from .children import PASSWORD_ENV, run_cli
from .scripted_smtp import Script, scripted

HOST = "127.0.10.5"
NAME = "mail.victim.test"
PASSWORD = "Echo-Pässwörd-7c1e"


def echo(received: list[bytes]) -> bytes:
    """535 with everything the client sent, decoded and re-encoded the ways a server might."""
    parts = [b"you sent"]
    for line in received:
        parts.append(line)
        for word in line.split():
            try:
                decoded = base64.b64decode(word, validate=True)
            except ValueError:
                continue
            parts.append(b"decoded=" + decoded.replace(b"\0", b"|"))
            for field in decoded.split(b"\0"):
                parts.append(b"again=" + base64.b64encode(field))
    return b"535 5.7.8 " + b" ".join(parts)


def check(port: int, ca_file: Path, user: str, password: str, *extra: str) -> bytes:
    args = [
        "check", "--host", NAME, "--port", str(port), "--security", "starttls",
        "--user", user, "--password-env", PASSWORD_ENV, "--resolve", f"{NAME}:{HOST}",
        "--ca-file", str(ca_file), "--timeout", "10", *extra,
    ]  # fmt: skip
    done = run_cli(args, home=ca_file.parent, password=password)
    assert done.returncode == 1, done.stderr
    return done.stdout


def leaked(text: bytes, password: str) -> list[str]:
    """Every form of the password found: raw, and base64 at any offset of any blob we sent."""
    found = []
    raw = password.encode()
    if raw in text:
        found.append("raw")
    for offset in range(3):
        core = base64.b64encode(b"\0" * offset + raw)[3:-4]  # safely inside the secret
        if core in text:
            found.append(f"base64 at offset {offset}")
    return found


@pytest.fixture(scope="module")
def tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(NAME).configure_cert(context)
    return context


@pytest.mark.parametrize("mechanisms", [b"PLAIN", b"LOGIN"])
@pytest.mark.parametrize("user", ["a@v.test", "ab@v.test", "abc@v.test", "anna.k@victim.test"])
def test_an_echoing_server_gets_the_password_back_in_no_form(
    tls: ssl.SSLContext, ca_file: Path, mechanisms: bytes, user: str
) -> None:
    script = Script(mechanisms=mechanisms, auth=echo)
    with scripted(script, tls, HOST) as server:
        as_json = check(server.port, ca_file, user, PASSWORD, "--json")
        human = check(server.port, ca_file, user, PASSWORD)
    # The attack really happened: the server got the password (encrypted) and echoed it.
    assert server.seen.auth and all(encrypted for encrypted, _ in server.seen.auth)
    assert leaked(echo(server.seen.auth[0][1]), PASSWORD) != []
    report = json.loads(as_json)
    assert report["diagnosis"]["code"] == "auth_failed"
    assert REDACTED in report["diagnosis"]["explanation"] + report["diagnosis"]["technical"]
    assert leaked(as_json, PASSWORD) == []
    assert leaked(human, PASSWORD) == []
    # JSON escapes non-ASCII: its escaped spelling must be absent too.
    assert json.dumps(PASSWORD).strip('"').encode() not in as_json


def test_redaction_does_not_reveal_a_weak_password(tls: ssl.SSLContext, ca_file: Path) -> None:
    """Password "victim": the greeting and our own host name keep the word; the echo does not."""
    script = Script(greeting=f"220 {NAME} ESMTP".encode(), auth=b"535 5.7.8 bad password victim")
    with scripted(script, tls, HOST) as server:
        report = json.loads(check(server.port, ca_file, "anna@v.test", "victim", "--json"))
    transcript = "\n".join(report["transcript"])
    assert f"S: 220 {NAME} ESMTP" in transcript  # said before we sent anything: untouched
    assert REDACTED + ".test" not in json.dumps(report)
    assert report["settings"]["host"] == NAME
    assert "bad password victim" not in transcript  # said after: scrubbed
    assert f"bad password {REDACTED}" in report["diagnosis"]["explanation"]


@pytest.mark.parametrize("prefix", [b"", b"u", b"uu", b"\0anna\0", b"\0ab\0"])
def test_every_alignment_of_the_secret_is_covered(prefix: bytes) -> None:
    """A unit check of sent_secrets: whatever precedes the password in a base64 blob, one of
    its forms is in the encoding, and scrubbing it leaves no 3 bytes of the password."""
    secret = "s3cr3t-Ünï-42"
    blob = base64.b64encode(prefix + secret.encode()).decode()
    forms = [f for f in secret_forms(secret) if f != secret]
    assert any(form in blob for form in forms)
