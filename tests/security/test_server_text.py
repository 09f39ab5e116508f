"""Server-controlled text cannot drive the terminal, break the JSON or fool the reader.

A scripted server (real STARTTLS with a trustme certificate) puts terminal escape sequences (CSI
clear-screen and cursor moves, OSC window titles and hyperlinks, BEL, 8-bit CSI), bidi overrides,
zero-width characters and invalid UTF-8 into the reply of each step: greeting 554, STARTTLS 454,
AUTH 535, RCPT 550, and into certificate fields. The real `smtpwizard check` runs in a child
process; its human output must hold no control character and show the attack visibly, and its
--json output must be valid UTF-8 JSON with no such character in any string.
"""

from __future__ import annotations

import json
import ssl
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from smtpwizard.core.servertext import clean

from .children import PASSWORD_ENV, run_cli
from .scripted_smtp import Script, ScriptedServer, scripted

HOST = "127.0.10.1"
NAME = "smtp.victim.test"
PASSWORD = "Sesame-9f3k2"
# Clear screen, home, window title, hyperlink, BEL, 8-bit CSI, bidi override, zero-width space.
ATTACK = "\x1b[2J\x1b[H\x1b]0;pwned\x07\x1b]8;;http://evil.test/\x1b\\click\x1b]8;;\x1b\\\x9b1A"
ATTACK_TEXT = ATTACK + " txet\u202edesrever\u200b hidden\ufeff"
ATTACK_BYTES = ATTACK_TEXT.encode("utf-8") + b" \xff\xfe\xc3( bad"


def _is_dangerous(ch: str) -> bool:
    """A character that a terminal or a text renderer obeys instead of showing."""
    if ch in "\n\t":
        return False
    category = unicodedata.category(ch)
    return category in ("Cc", "Cf", "Cs", "Zl", "Zp") or ch == "\x7f"


def dangerous_in(text: str) -> list[str]:
    return sorted({f"U+{ord(c):04X}" for c in text if _is_dangerous(c)})


def dangerous_in_json(value: Any) -> list[str]:
    if isinstance(value, str):
        return dangerous_in(value)
    if isinstance(value, dict):
        return sorted({d for k, v in value.items() for d in dangerous_in(k) + dangerous_in_json(v)})
    if isinstance(value, list):
        return sorted({d for v in value for d in dangerous_in_json(v)})
    return []


def server_context(cert: trustme.LeafCert) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return context


@pytest.fixture(scope="module")
def good_tls(ca: trustme.CA) -> ssl.SSLContext:
    return server_context(ca.issue_cert(NAME))


def run_check(
    server: ScriptedServer, ca_file: Path, *extra: str
) -> subprocess.CompletedProcess[bytes]:
    args = [
        "check", "--host", NAME, "--port", str(server.port),
        "--security", "starttls", "--user", "anna@victim.test", "--password-env", PASSWORD_ENV,
        "--resolve", f"{NAME}:{HOST}", "--ca-file", str(ca_file), "--timeout", "10", *extra,
    ]  # fmt: skip
    return run_cli(args, home=ca_file.parent, password=PASSWORD)


# Which step gets the attack, and how the script says it.
STEPS: dict[str, Script] = {
    "greeting_554": Script(greeting=b"554 5.3.2 " + ATTACK_BYTES),
    "starttls_454": Script(starttls=b"454 4.7.0 " + ATTACK_BYTES),
    "auth_535": Script(auth=b"535 5.7.8 " + ATTACK_BYTES),
    "rcpt_550": Script(rcpt=b"550 5.1.1 " + ATTACK_BYTES),
}
EXPECTED_CODE = {
    "greeting_554": "greeting_rejected",
    "starttls_454": "starttls_unavailable",
    "auth_535": "auth_failed",
    "rcpt_550": "recipient_rejected",
}


@pytest.fixture(params=sorted(STEPS))
def hostile(request: pytest.FixtureRequest, good_tls: ssl.SSLContext) -> Iterator[ScriptedServer]:
    with scripted(STEPS[request.param], good_tls, HOST) as server:
        server.step = request.param  # type: ignore[attr-defined]
        yield server


def _extra(server: ScriptedServer) -> list[str]:
    return ["--send-to", "bob@victim.test"] if server.step == "rcpt_550" else []  # type: ignore[attr-defined]


def test_human_output_shows_the_attack_but_obeys_none_of_it(
    hostile: ScriptedServer, ca_file: Path
) -> None:
    run = run_check(hostile, ca_file, *_extra(hostile))
    out = run.stdout.decode("utf-8")  # strict: must be valid UTF-8
    err = run.stderr.decode("utf-8")
    assert run.returncode == 1, (out, err)
    assert err == ""
    assert dangerous_in(out) == []
    assert "something went wrong" not in out + err
    # Made visible, not dropped: the reader can tell the server sent something odd.
    assert "␛[2J" in out and "<U+202E>" in out and "<U+200B>" in out


def test_json_output_is_valid_utf8_with_the_attack_neutralised(
    hostile: ScriptedServer, ca_file: Path
) -> None:
    run = run_check(hostile, ca_file, "--json", *_extra(hostile))
    assert run.returncode == 1, run.stderr
    assert run.stderr == b""
    report = json.loads(run.stdout.decode("utf-8"))  # strict decoding: valid UTF-8 or it fails
    assert report["diagnosis"]["code"] == EXPECTED_CODE[hostile.step]  # type: ignore[attr-defined]
    assert dangerous_in_json(report) == []
    assert "␛]0;pwned␇" in json.dumps(report, ensure_ascii=False)


def test_certificate_fields_cannot_drive_the_terminal(tmp_path: Path, ca_file: Path) -> None:
    """A certificate from an unknown authority, its names full of escape sequences: it is
    refused, and the subject and issuer lines shown for it are inert."""
    short = "\x1b[2J\x1b]0;pwned\x07 \u202eevil\u200b"  # X.509 names hold at most 64
    rogue = trustme.CA(organization_name=short)
    cert = rogue.issue_cert(NAME, common_name=short, organization_name="\x1b[8m")
    with scripted(Script(), server_context(cert), HOST) as server:
        human = run_check(server, ca_file)
        as_json = run_check(server, ca_file, "--json")
    out = human.stdout.decode("utf-8")
    assert human.returncode == 1
    assert "Certificate shown by the server" in out
    assert dangerous_in(out) == []
    assert "␛[2J" in out
    report = json.loads(as_json.stdout.decode("utf-8"))
    assert report["diagnosis"]["code"] == "cert_untrusted"
    assert dangerous_in_json(report) == []
    assert server.seen.auth == []


def test_the_boundary_itself() -> None:
    """The one function every server-controlled text passes (a unit check of its promises)."""
    assert clean(b"250 ok \xff") == "250 ok \ufffd"
    assert clean("a\x1b[2Jb") == "a␛[2Jb"
    assert clean("x\u202ey\u200bz\u2066") == "x<U+202E>y<U+200B>z<U+2066>"
    assert clean("C1 \x9b and DEL \x7f") == "C1 <U+009B> and DEL ␡"
    assert clean("line\r\nbreak") == "line␍␊break"
    assert clean("line\nbreak", multiline=True) == "line\nbreak"
    assert clean("lone \udcff surrogate") == "lone \ufffd surrogate"
    assert clean("Müller ✓ 日本 \u00a0nbsp") == "Müller ✓ 日本 \u00a0nbsp"
    assert clean(clean(ATTACK_BYTES)) == clean(ATTACK_BYTES)  # idempotent
    assert dangerous_in(clean(ATTACK_BYTES)) == []
