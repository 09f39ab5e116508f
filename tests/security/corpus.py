"""A corpus of malformed inputs: what people paste, mistype, or what a damaged file holds.

Each entry is one input and a pattern its error message must match, so "a clear message"
means a message that names what was wrong, not merely any text. The tests in
test_malformed_inputs.py drive every entry through the command line (and the core parsers).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Bad:
    kind: str  # which field or route: host, port, email, ..., argv, profile_file
    value: Any  # str for fields; tuple[str, ...] for argv; bytes for profile_file
    expect: str  # regex (case-insensitive) the message must match


# What every message of a kind must mention, unless the entry says otherwise.
EXPECT = {
    "host": r"server|port|address|path",
    "port": r"port",
    "email": r"address|'@'|domain|email",
    "username": r"username",
    "display_name": r"name",
    "fingerprint": r"fingerprint",
    "resolve": r"resolve|server|port|IP",
    "dns_server": r"dns-server|port",
    "profile_name": r"profile",
    "profile_file": r"profile|damaged",
}

_HOSTS = [
    "",
    "   ",
    "\t",
    "smtp example.com",
    "smtp.example.com\r\nRSET",
    "smtp.example.com\nQUIT",
    "smtp.example.com\r",
    "smtp.example.com\x00",
    "\x00",
    "http://smtp.example.com",
    "https://example.com/login",
    "ftp://smtp.example.com",
    "imap://mail.example.com",
    "smtp://",
    "smtp://:587",
    "smtp://user:hunter2@smtp.example.com:587",
    "smtp://smtp.example.com:99999",
    "smtp://smtp.example.com:abc",
    "smtp://[::1",
    "smtp.example.com:",
    "smtp.example.com:0",
    "smtp.example.com:65536",
    "smtp.example.com:-1",
    "smtp.example.com:abc",
    "smtp.example.com:５８７",
    "smtp.example.com:" + "9" * 5000,
    "[::1",
    "[::1]x",
    "[::1]:",
    "[::1]:70000",
    "[]",
    "anna@example.com",
    "smtp.example.com/path",
    "smtp.example.com?x=1",
    "smtp.example.com#frag",
    "smtp..example.com",
    ".",
    "..",
    "-smtp.example.com",
    "smtp-.example.com",
    "a" * 64 + ".example.com",
    ".".join(["a" * 60] * 5),
    "x" * 600,
    "smtp_relay.example.com",
    "smtp!.example.com",
    "smtp.exa mple.com",
    "smtp.\U0001f600\u0301.com",
    "xn--a.example.com",
    "../../etc/passwd",
    "smtp.example.com;rm -rf /",
    "smtp.example.com\x1b[31m",
]

_PORTS = [
    "",
    " ",
    "0",
    "65536",
    "99999",
    "-1",
    "-587",
    "+587",
    "587a",
    "abc",
    "5.87",
    "587.0",
    "1e3",
    "0x24b",
    "587 465",
    "587,465",
    "５８７",
    "٥٨٧",
    "²",
    "9" * 11,
    "9" * 5000,
    "587\x00",
    "none",
    "∞",
]

_EMAILS = [
    "   ",
    "anna",
    "anna@",
    "@example.com",
    "@",
    "anna@@example.com",
    "anna@exa@mple.com",
    "anna@example",
    "anna@localhost",
    "anna@[127.0.0.1]",
    "anna@[IPv6:::1]",
    ".anna@example.com",
    "anna.@example.com",
    "an..na@example.com",
    "an na@example.com",
    "anna@exa mple.com",
    "anna@example..com",
    "anna@-example.com",
    "anna@example-.com",
    "anna@example.com\r\nRCPT TO:<victim@example.org>",
    "anna@example.com\nDATA",
    "anna\r@example.com",
    "anna@example.com\x00",
    "\x00@example.com",
    "a" * 65 + "@example.com",
    "anna@" + "b" * 320 + ".com",
    "x" * 400,
    "anna(comment)@example.com",
    '"anna smith"@example.com',
    "anna<bob>@example.com",
    "anna@example.com>",
    "<anna@example.com",
    "<>",
    "mailto:",
    "anna@exa_mple.com",
    "anna@exa!mple.com",
    "anna@example.com/path",
    "anna,bob@example.com",
    "anna@xn--.com",
    "anna@" + "a" * 64 + ".com",
    "anna;@example.com",
]

_USERNAMES = [
    "anna\r\nAUTH LOGIN",
    "anna\n",
    "anna\rx",
    "\r",
    "anna\x00admin",
    "\x00",
    "u" * 321,
    "anna@example.com\r\nMAIL FROM:<x@example.org>",
]

_DISPLAY_NAMES = [
    "Anna\r\nBcc: victim@example.org",
    "Anna\nX-Injected: yes",
    "Anna\r",
    "Anna\x00",
    "\x00",
    "n" * 201,
    "Ä" * 300,
    "Anna\n\nbody",
]

_FINGERPRINTS = [
    "   ",
    "sha256:",
    "abc",
    "z" * 64,
    "a" * 63,
    "a" * 65,
    "a" * 128,
    "sha1:" + "a" * 40,
    "A" * 62 + "GG",
    "aa:" * 31 + "a",
    "ａ" * 64,
    "a" * 32 + "\n" + "a" * 32,
    "a" * 64 + "\x00",
    "md5:" + "a" * 64,
    "0x" + "a" * 64,
]

_RESOLVES = [
    "",
    "smtp.example.com",
    "smtp.example.com:",
    ":127.0.0.1",
    "smtp.example.com:localhost",
    "smtp.example.com:999.1.1.1",
    "smtp.example.com:127.0.0.1:587",
    "smtp.example.com:127.0.0",
    "smtp example.com:127.0.0.1",
    "smtp.example.com\r\n:127.0.0.1",
    "anna@example.com:127.0.0.1",
    "smtp.example.com:127.0.0.1\x00",
    "smtp..example.com:127.0.0.1",
]

_DNS_SERVERS = [
    "dns.example.com",
    "localhost",
    "1.2.3",
    "1.2.3.4.5",
    "256.1.1.1",
    "1.2.3.4:",
    "1.2.3.4:0",
    "1.2.3.4:70000",
    "1.2.3.4:dns",
    "1.2.3.4:5:6",
    "[::1",
    "[::1]junk",
    "[::1]:",
    "[::1]:99999",
    "[dns.example.com]:53",
    "1.2.3.4/24",
]

_PROFILE_NAMES = [
    "",
    "   ",
    "../../etc/passwd",
    "a/b",
    "a\\b",
    ".",
    "..",
    "...",
    "/",
    "work\x00",
    "work\nother",
    "work\r",
    "\x1b[2J",
    "w" * 81,
    "nobody-saved-this",
]


def _argv() -> list[Bad]:
    host = ("--host", "smtp.example.com", "--port", "587")
    local = ("--host", "127.0.0.1", "--port", "1")
    exp = ("export", "--format", "msmtp", *host, "--email", "anna@example.com")
    cases: list[tuple[tuple[str, ...], str]] = [
        (("nosuchcommand",), r"invalid choice"),
        (("check",), r"--host"),
        (("check", "--host", "smtp.example.com"), r"port"),
        (("check", "--profile", "work", "--host", "smtp.example.com"), r"either --profile"),
        (("check", *host, "--security", "ssl"), r"security.*invalid choice"),
        (("check", *host, "--security", ""), r"security.*invalid choice"),
        (("check", *host, "--bogus"), r"unrecognized arguments"),
        (("check", "--port"), r"expected one argument"),
        (("check", "--json", "--host"), r"expected one argument"),
        (("check", *local, "--timeout", "0"), r"timeout"),
        (("check", *local, "--timeout", "-5"), r"timeout"),
        (("check", *local, "--timeout", "601"), r"timeout"),
        (("check", *local, "--timeout", "nan"), r"timeout"),
        (("check", *local, "--timeout", "inf"), r"timeout"),
        (("check", *local, "--timeout", "abc"), r"timeout.*invalid float"),
        (("check", *local, "--password-env", "A", "--password-stdin"), r"not allowed with"),
        (("check", *local, "--password-env", "A", "--keyring"), r"not allowed with"),
        (("check", *local, "--ca-file", "/nonexistent/ca.pem"), r"ca-file.*no such file"),
        (("check", *local, "--ca-file", "/etc/passwd"), r"not a PEM file"),
        (("check", *local, "--ca-file", "/"), r"ca-file"),
        (("check", *local, "--user", "anna", "--password-env", "SW_CORPUS_UNSET"), r"not set"),
        (("check", *local, "--send-to", "bob@example.com"), r"sender address|--from"),
        (("check", "--profile", "nobody-saved-this-either"), r"no saved profile"),
        (("export",), r"format"),
        (("export", "--format"), r"expected one argument"),
        (("export", "--format", "nope", *host, "--email", "a@example.com"), r"no export called"),
        (("export", "--format", "msmtp", *host), r"--email"),
        (("export", "--format", "msmtp"), r"--profile"),
        (("export", "--format", "msmtp", "--profile", "w", "--host", "h.example"), r"either"),
        (("export", "--format", "card-pdf", *exp[3:]), r"binary"),
        ((*exp, "--password-env", "X"), r"without --include-password"),
        (
            ("export", "--format", "thunderbird-userjs", *exp[3:], "--include-password"),
            r"cannot carry a password",
        ),
        (("export", "--format", "thunderbird-autoconfig", *exp[3:]), r"incoming"),
        ((*exp, "--incoming-port", "993"), r"--incoming-host"),
        ((*exp, "--incoming-host", "imap.example.com", "--incoming-port", "0"), r"port"),
        ((*exp, "--incoming-host", "imap example.com"), r"server name"),
        ((*exp, "--incoming-protocol", "smtp"), r"incoming-protocol.*invalid choice"),
        ((*exp, "--checked-on", "2020-13-01"), r"checked-on"),
        ((*exp, "--checked-on", "yesterday"), r"checked-on"),
        ((*exp, "--include-password", "--password-env", "SW_CORPUS_UNSET"), r"no sign-in|not set"),
        (("probe",), r"required"),
        (("probe", "smtp.example.com", "--ports", ""), r"--ports is empty"),
        (("probe", "smtp.example.com", "--ports", ",,"), r"--ports is empty"),
        (("probe", "smtp.example.com", "--ports", "587,587"), r"twice"),
        (("probe", "smtp.example.com", "--ports", "587/none"), r"tls or starttls"),
        (("probe", "smtp.example.com", "--ports", "587/ssl3"), r"tls or starttls"),
        (("probe", "smtp.example.com", "--ports", "abc"), r"port"),
        (("probe", "smtp.example.com", "--ports", "0,587"), r"port"),
        (("probe", "smtp.example.com", "--ports", "9" * 5000), r"port"),
        (("probe", "smtp example.com"), r"spaces"),
        (("discover",), r"required"),
        (("discover", "not-an-address"), r"'@'"),
        (("gui", "--bogus"), r"unrecognized arguments"),
    ]
    return [Bad("argv", argv, expect) for argv, expect in cases]


# A valid profile: each damaged one below differs from it in one way.
GOOD_PROFILE: dict[str, Any] = {
    "format": "smtpwizard-profile",
    "version": 1,
    "name": "work",
    "server": {
        "host": "smtp.example.com",
        "port": 587,
        "security": "starttls",
        "username": "anna@example.com",
        "allow_insecure_auth": False,
        "trusted_fingerprint": None,
    },
    "account": {"email": "anna@example.com", "display_name": "Anna", "incoming": None},
    "last_check": None,
}

_MISSING = object()


def _with(path: str, value: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(GOOD_PROFILE))
    *parents, key = path.split(".")
    target = data
    for part in parents:
        target = target[part]
    if value is _MISSING:
        del target[key]
    else:
        target[key] = value
    return data


def _profile_mutations() -> list[tuple[str, Any]]:
    incoming = {"protocol": "imap", "host": "imap.example.com", "port": 993}
    incoming |= {"security": "tls", "username": None}
    when = "2026-01-01T10:00:00+00:00"
    return [
        ("format", _MISSING),
        ("format", "thunderbird"),
        ("version", _MISSING),
        ("version", "1"),
        ("version", 0),
        ("version", -1),
        ("version", 1.5),
        ("version", True),
        ("name", _MISSING),
        ("name", ""),
        ("name", 5),
        ("name", "../../etc/passwd"),
        ("name", "a/b"),
        ("name", "work\nother"),
        ("name", "w" * 81),
        ("server", _MISSING),
        ("server", "smtp.example.com"),
        ("server", ["smtp.example.com", 587]),
        ("server.host", _MISSING),
        ("server.host", 5),
        ("server.host", None),
        ("server.host", ["smtp.example.com"]),
        ("server.host", "smtp.example.com:25"),
        ("server.host", "smtp://smtp.example.com"),
        ("server.host", "smtp.example.com\r\nRSET"),
        ("server.host", "smtp.example.com\x00"),
        ("server.host", "../../etc/passwd"),
        ("server.host", "h" * 100_000),
        ("server.port", _MISSING),
        ("server.port", "587"),
        ("server.port", 587.0),
        ("server.port", True),
        ("server.port", None),
        ("server.port", 0),
        ("server.port", -1),
        ("server.port", 65536),
        ("server.port", 10**30),
        ("server.security", "ssl"),
        ("server.security", 1),
        ("server.security", ""),
        ("server.username", 5),
        ("server.username", "anna\r\nAUTH PLAIN"),
        ("server.username", "anna\x00"),
        ("server.username", "u" * 400),
        ("server.allow_insecure_auth", "yes"),
        ("server.allow_insecure_auth", 1),
        ("server.allow_insecure_auth", None),
        ("server.trusted_fingerprint", "zz"),
        ("server.trusted_fingerprint", 5),
        ("account", _MISSING),
        ("account", []),
        ("account.email", "not-an-address"),
        ("account.email", 5),
        ("account.email", "anna@example.com\r\nRCPT TO:<x@example.org>"),
        ("account.display_name", None),
        ("account.display_name", "Anna\r\nBcc: x@example.org"),
        ("account.display_name", "Anna\x00"),
        ("account.display_name", "n" * 201),
        ("account.incoming", "imap.example.com"),
        ("account.incoming", {**incoming, "protocol": "smtp"}),
        ("account.incoming", {**incoming, "host": "imap example.com"}),
        ("account.incoming", {**incoming, "port": "993"}),
        ("account.incoming", {**incoming, "security": "ssl"}),
        ("last_check", "yesterday"),
        ("last_check", {"ok": True, "when": "2026-01-01T10:00:00"}),
        ("last_check", {"ok": "yes", "when": when}),
        ("last_check", {"ok": True, "when": "soon"}),
        ("last_check", {"ok": False, "when": when, "diagnosis": "../../x y"}),
    ]


def profile_mutations() -> list[dict[str, Any]]:
    """Damaged profiles that are still JSON objects (also for Profile.from_dict)."""
    return [_with(path, value) for path, value in _profile_mutations()]


def _profile_files() -> list[Bad]:
    good = json.dumps(GOOD_PROFILE)
    raw: list[bytes] = [
        b"",
        b" ",
        b"{",
        b"{]",
        b"null",
        b"[]",
        b"42",
        b'"work"',
        b"true",
        b"\xff\xfe{\x00}\x00",
        b"\xef\xbb\xbf" + good.encode(),
        good.encode()[: len(good) // 2],
        good.encode() + b"}",
        good.encode().replace(b"587", b"NaN"),
        good.encode().replace(b"587", b"9" * 5000),
        good.encode().replace(b'"work"', b'"wo\x00rk"'),
        good.encode().replace(b'"Anna"', b'"\xc3\x28"'),
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"format": "smtpwizard-profile", "pad": "' + b"x" * (4 * 1024 * 1024) + b'"}',
        b"\x00" * 1024,
    ]
    cases = [Bad("profile_file", data, EXPECT["profile_file"]) for data in raw]
    cases += [
        Bad("profile_file", json.dumps(data).encode(), EXPECT["profile_file"])
        for data in profile_mutations()
    ]
    # Saved by a newer version: not damaged, left in place, and said so.
    cases.append(Bad("profile_file", json.dumps(_with("version", 99)).encode(), r"newer"))
    return cases


def _fields() -> list[Bad]:
    groups = {
        "host": _HOSTS,
        "port": _PORTS,
        "email": _EMAILS,
        "username": _USERNAMES,
        "display_name": _DISPLAY_NAMES,
        "fingerprint": _FINGERPRINTS,
        "resolve": _RESOLVES,
        "dns_server": _DNS_SERVERS,
        "profile_name": _PROFILE_NAMES,
    }
    return [Bad(kind, value, EXPECT[kind]) for kind, values in groups.items() for value in values]


CORPUS: list[Bad] = [*_fields(), *_argv(), *_profile_files()]


def corpus_id(case: Bad) -> str:
    text = case.value if isinstance(case.value, str) else repr(case.value)
    short = text[:40].encode("unicode_escape").decode("ascii")
    return f"{case.kind}-{short}-{len(text)}"
