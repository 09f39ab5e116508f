"""Every malformed input in the corpus gets a clear message and exit status 2, never a traceback.

The bulk runs in-process (fast); a sample runs as real processes to prove what reaches a
terminal: no traceback on stderr, and the documented exit status.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from smtpwizard.cli import main

from .corpus import CORPUS, Bad, corpus_id

_LOCAL = ("--host=127.0.0.1", "--port=1", "--timeout=2")
_EXPORT = (
    "export",
    "--format=msmtp",
    "--host=smtp.example.com",
    "--port=587",
)
_EMAIL = "--email=anna@example.com"


def routes(case: Bad) -> list[list[str]]:
    """The command lines that carry this input (fields use --opt=VALUE, so '-x' stays a value)."""
    v = case.value
    by_kind: dict[str, list[list[str]]] = {
        "host": [["check", f"--host={v}", "--port=587", "--timeout=2"]],
        "port": [["check", "--host=127.0.0.1", f"--port={v}", "--timeout=2"]],
        "email": [
            ["check", *_LOCAL, f"--send-to={v}", "--from=anna@example.com"],
            [*_EXPORT, f"--email={v}"],
        ],
        "username": [["check", *_LOCAL, f"--user={v}", "--password-env=SW_CORPUS_PW"]],
        "display_name": [[*_EXPORT, _EMAIL, f"--name={v}"]],
        "fingerprint": [["check", *_LOCAL, f"--trust-fingerprint={v}"]],
        "resolve": [["check", *_LOCAL, f"--resolve={v}"]],
        "dns_server": [["check", *_LOCAL, f"--dns-server={v}"]],
        "profile_name": [
            ["check", f"--profile={v}"],
            ["export", "--format=msmtp", f"--profile={v}"],
        ],
        "profile_file": [
            ["check", "--profile=work"],
            ["export", "--format=msmtp", "--profile=work"],
        ],
    }
    if case.kind == "argv":
        return [list(v)]
    return by_kind[case.kind]


@pytest.fixture
def isolated(tmp_path, monkeypatch) -> Path:
    config = tmp_path / "config"
    monkeypatch.setenv("SMTPWIZARD_CONFIG_DIR", str(config))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SW_CORPUS_PW", "not-used")
    monkeypatch.delenv("SW_CORPUS_UNSET", raising=False)
    return config


def _write_profile(data: bytes) -> Path:
    from smtpwizard.core.profiles import profile_path

    path = profile_path("work")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


_CLASS_NAME_ONLY = re.compile(r"^\(?[A-Z]\w*(Error|Exception|Interrupt)\b")


def assert_clear_failure(rc: int, out: str, err: str, expect: str) -> None:
    """Exit 2, nothing on stdout, and one plain last line on stderr naming what was wrong."""
    assert rc == 2, (rc, out, err)
    assert out == "", out
    assert "Traceback" not in err
    assert "something went wrong inside" not in err, err  # the catch-all for bugs
    # Nothing from the input may reach the terminal raw (no injected escape sequences).
    assert not [c for c in err if unicodedata.category(c) == "Cc" and c != "\n"], repr(err)
    message = err.strip().splitlines()[-1]
    assert message.startswith("smtpwizard: "), err
    body = message.removeprefix("smtpwizard: ")
    assert len(body.split()) >= 3, body
    assert not _CLASS_NAME_ONLY.match(body), body
    assert re.search(expect, body, re.IGNORECASE), (expect, body)


@pytest.mark.parametrize("case", CORPUS, ids=corpus_id)
def test_cli_refuses_with_a_clear_message(case: Bad, isolated, capsys):
    for argv in routes(case):
        if case.kind == "profile_file":
            path = _write_profile(case.value)
        rc = main(argv)
        out, err = capsys.readouterr()
        assert_clear_failure(rc, out, err, case.expect)
        if case.kind == "profile_file" and "newer" not in case.expect:
            # Damaged: moved aside, so the program can start again.
            assert not path.exists()
            assert list(path.parent.glob("work.json.corrupt-*"))


def test_the_corpus_holds_at_least_200_distinct_inputs():
    distinct = {(case.kind, case.value) for case in CORPUS}
    assert len(distinct) == len(CORPUS), "duplicates in the corpus"
    assert len(distinct) >= 200, len(distinct)
    kinds = {case.kind for case in CORPUS}
    assert kinds >= {"host", "port", "email", "username", "display_name", "fingerprint"}
    assert kinds >= {"resolve", "dns_server", "profile_name", "argv", "profile_file"}
    # Each route carries at least one CR, LF or NUL where it would go on the wire.
    for kind in ("host", "email", "username", "display_name"):
        assert any(
            any(c in case.value for c in "\r\n\x00") for case in CORPUS if case.kind == kind
        ), kind


def test_the_checker_catches_an_unclear_message():
    """The assertions above fail for the kinds of output they exist to catch."""
    bad_outputs = [
        (1, "", "smtpwizard: something went wrong inside smtpwizard (ValueError: x)\n"),
        (2, "", "Traceback (most recent call last):\nValueError: x\n"),
        (2, "", "smtpwizard: ValueError: invalid literal for int()\n"),
        (2, "", "smtpwizard: bad\n"),
        (2, "", "smtpwizard: The host contains \x1b[31m here.\n"),
        (2, "", "smtpwizard: The password field is wrong.\n"),  # does not name the port
        (0, "", "smtpwizard: The port must be a number.\n"),
    ]
    for rc, out, err in bad_outputs:
        with pytest.raises(AssertionError):
            assert_clear_failure(rc, out, err, r"port")


def _subprocess_sample() -> list[Bad]:
    """Two inputs of every kind that a shell can pass (argv cannot carry NUL)."""
    sample: list[Bad] = []
    for kind in dict.fromkeys(case.kind for case in CORPUS):
        usable = [
            c
            for c in CORPUS
            if c.kind == kind != "profile_file"
            and "\x00" not in (c.value if isinstance(c.value, str) else "".join(c.value))
        ]
        sample += usable[1:3]
    files = [c for c in CORPUS if c.kind == "profile_file"]
    return [*sample, files[3], files[-2]]


def test_a_sample_as_real_processes_shows_no_traceback(tmp_path):
    sample = _subprocess_sample()
    assert len(sample) >= 15
    running = []
    for index, case in enumerate(sample):
        config = tmp_path / f"config-{index}"
        env = {
            **os.environ,
            "SMTPWIZARD_CONFIG_DIR": str(config),
            "HOME": str(tmp_path / "home"),
            "SW_CORPUS_PW": "x",
            "PYTHONWARNINGS": "error::DeprecationWarning:smtpwizard",
        }
        env.pop("SW_CORPUS_UNSET", None)
        env.pop("SMTPWIZARD_DEBUG", None)
        if case.kind == "profile_file":
            (config / "profiles").mkdir(parents=True)
            (config / "profiles" / "work.json").write_bytes(case.value)
        argv = routes(case)[0]
        proc = subprocess.Popen(
            [sys.executable, "-m", "smtpwizard", *argv],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
            encoding="utf-8",
        )
        running.append((case, proc))
    for case, proc in running:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode in (1, 2), (case, proc.returncode)
        assert_clear_failure(proc.returncode, out, err, case.expect)
