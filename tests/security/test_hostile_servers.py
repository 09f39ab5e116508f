"""Hostile servers end within the deadline, with a plain diagnosis and bounded memory.

Every run is a real `smtpwizard check` or `smtpwizard probe` in a child process (started through
rss_probe.py), against a lab server running in this test process. The child reports its own peak
RSS (VmHWM: os.wait4's ru_maxrss would include this pytest process's RSS, see rss_probe.py); each
hostile run is compared with a baseline child, measured in the same session, that checks a good
server the same way. A control child that deliberately holds extra memory proves the measurement
would catch a run that grew.
"""

from __future__ import annotations

import asyncio
import builtins
import re
import ssl
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest

from tests.labkit import Lab, LabEndpoint

from .children import MIB, PASSWORD_ENV, ChildRun, mib, run_child

TIMEOUT = 4.0  # the --timeout every child gets
DEADLINE_SLACK = 2.5  # interpreter start-up and exit on a loaded 2-core machine
RSS_MARGIN = 16 * MIB  # a hostile run may use at most this much more than the baseline
MAX_OUTPUT = 256 * 1024  # whatever the server sends, the JSON report stays small


def check_args(lab: Lab, ep: LabEndpoint, *extra: str) -> list[str]:
    return [
        "check",
        "--host",
        ep.host,
        "--port",
        str(ep.port),
        "--security",
        "starttls",
        "--user",
        ep.username or "anna@lab.test",
        "--password-env",
        PASSWORD_ENV,
        "--ca-file",
        str(lab.ca_file),
        "--timeout",
        str(TIMEOUT),
        *extra,
    ]


def probe_args(lab: Lab, ep: LabEndpoint) -> list[str]:
    return [
        "probe",
        ep.host,
        "--ports",
        str(ep.port),
        "--ca-file",
        str(lab.ca_file),
        "--timeout",
        str(TIMEOUT),
        "--json",
    ]


def growth(run: ChildRun, baseline: ChildRun) -> str:
    return f"{(run.peak_rss - baseline.peak_rss) / MIB:+.1f} MiB"


@pytest.fixture(scope="module")
def baseline(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> ChildRun:
    """A full, successful check of a good STARTTLS server: the memory every run is held to."""
    ep = lab.start("starttls_ok")
    run = run_child(
        check_args(lab, ep, "--json"),
        tmp_path_factory.mktemp("baseline"),
        password=ep.password or "",
    )
    assert run.status == 0, run.stderr
    assert run.report()["diagnosis"]["code"] == "ok"
    print(
        f"\nbaseline check (starttls_ok): peak RSS {mib(run.peak_rss)} "
        f"(os.wait4 says {mib(run.wait4_maxrss)}), {run.seconds:.2f} s"
    )
    return run


def _exception_names() -> set[str]:
    names: set[str] = set()
    for module in (builtins, asyncio, ssl, aiosmtplib, aiosmtplib.errors):
        for name in dir(module):
            value = getattr(module, name)
            if isinstance(value, type) and issubclass(value, BaseException):
                names.add(name)
    return names


EXCEPTION_NAMES = _exception_names()
CLASS_LIKE = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]*)*(?:Error|Exception|Warning)\b")


def assert_plain_words(diagnosis: dict[str, Any]) -> None:
    for field in ("title", "explanation", "fix"):
        text = diagnosis.get(field) or ""
        assert len(text.split()) >= 3, f"{field} is not a sentence: {text!r}"
    for field in ("title", "explanation"):
        text = diagnosis[field]
        words = set(re.findall(r"[A-Za-z_]+", text))
        leaked = words & EXCEPTION_NAMES
        assert not leaked, f"{field} names Python exceptions {leaked}: {text!r}"
        assert not CLASS_LIKE.search(text), f"{field} reads like a class name: {text!r}"
        assert "Traceback" not in text and "errno" not in text.lower(), text


def assert_no_auth(ep: LabEndpoint) -> None:
    assert ep.wait_idle(), "the child's connection is still open on the server"
    assert ep.auth_attempts == []


# scenario, expected code, whether only the deadline can end it (a silent or trickling server)
HOSTILE = [
    ("silent", "timeout", True),
    ("huge_banner", "protocol_error", False),
    ("endless_continuation", "protocol_error", False),
    ("garbage", "protocol_error", False),
    ("trickle", "timeout", True),
    ("ehlo_10000", "protocol_error", False),
]


def test_rss_measurement_catches_a_child_that_grew(
    lab: Lab, baseline: ChildRun, tmp_path: Path
) -> None:
    """The control: the same baseline check holding 48 MiB more must exceed the margin."""
    ep = lab.start("starttls_ok")
    run = run_child(
        check_args(lab, ep, "--json"), tmp_path, password=ep.password or "", ballast_mib=48
    )
    print(f"\ncontrol (+48 MiB ballast): peak RSS {mib(run.peak_rss)}")
    assert run.status == 0, run.stderr
    assert run.peak_rss > baseline.peak_rss + RSS_MARGIN + 16 * MIB


@pytest.mark.parametrize(("scenario", "code", "waits_for_deadline"), HOSTILE)
def test_check_against_hostile_server(
    lab: Lab,
    baseline: ChildRun,
    tmp_path: Path,
    scenario: str,
    code: str,
    waits_for_deadline: bool,
) -> None:
    ep = lab.start(scenario)
    run = run_child(check_args(lab, ep, "--json"), tmp_path, password="not-sent-to-" + scenario)
    print(
        f"\ncheck {scenario}: peak RSS {mib(run.peak_rss)} "
        f"(baseline {mib(baseline.peak_rss)}, {growth(run, baseline)}), "
        f"{run.seconds:.2f} s"
    )
    assert run.status == 1, run.stderr
    assert "Traceback" not in run.stderr
    report = run.report()
    assert report["diagnosis"]["code"] == code, report["diagnosis"]
    assert_plain_words(report["diagnosis"])
    assert len(run.stdout) < MAX_OUTPUT
    assert run.peak_rss <= baseline.peak_rss + RSS_MARGIN
    assert run.seconds < TIMEOUT + DEADLINE_SLACK
    if not waits_for_deadline:
        # A server that talks nonsense is recognised as such, not merely timed out.
        assert run.seconds < TIMEOUT, "a talking hostile server was only stopped by the deadline"
    assert_no_auth(ep)


@pytest.mark.parametrize(("scenario", "code", "_"), [h for h in HOSTILE if not h[2]])
def test_human_output_is_plain_and_bounded(
    lab: Lab, tmp_path: Path, scenario: str, code: str, _: bool
) -> None:
    """Without --json: a short report, no terminal control characters, no traceback."""
    ep = lab.start(scenario)
    run = run_child(check_args(lab, ep), tmp_path, password="not-sent")
    assert run.status == 1
    assert run.stderr == ""
    assert len(run.stdout) < 8 * 1024
    controls = [c for c in run.stdout if not c.isprintable() and c not in "\n"]
    assert controls == [], f"control characters on screen: {controls[:10]!r}"
    assert "The server" in run.stdout and "What to do:" in run.stdout
    assert_no_auth(ep)


@pytest.mark.parametrize(
    ("scenario", "code"),
    [
        ("silent", "timeout"),
        ("huge_banner", "protocol_error"),
        ("garbage", "protocol_error"),
        ("ehlo_10000", "protocol_error"),
        ("endless_continuation", "protocol_error"),
    ],
)
def test_probe_against_hostile_server(
    lab: Lab, baseline: ChildRun, tmp_path: Path, scenario: str, code: str
) -> None:
    ep = lab.start(scenario)
    run = run_child(probe_args(lab, ep), tmp_path)
    print(
        f"\nprobe {scenario}: peak RSS {mib(run.peak_rss)} "
        f"({growth(run, baseline)} over the check baseline), {run.seconds:.2f} s"
    )
    assert run.status == 1, run.stderr
    report = run.report()
    assert report["recommended"] is None
    [port] = report["ports"]
    assert port["status"] == "failed"
    assert port["diagnosis"]["code"] == code, port["diagnosis"]
    assert_plain_words(port["diagnosis"])
    assert len(run.stdout) < MAX_OUTPUT
    assert run.peak_rss <= baseline.peak_rss + RSS_MARGIN
    assert run.seconds < TIMEOUT + DEADLINE_SLACK
    assert_no_auth(ep)


def test_invalid_utf8_greeting_is_shown_safely_and_the_session_works(
    lab: Lab, baseline: ChildRun, tmp_path: Path
) -> None:
    """The lab's invalid_utf8 server is otherwise good: the check must pass, not trip over it."""
    ep = lab.start("invalid_utf8")
    run = run_child(check_args(lab, ep, "--json"), tmp_path, password=ep.password or "")
    print(
        f"\ncheck invalid_utf8: peak RSS {mib(run.peak_rss)} "
        f"({growth(run, baseline)}), {run.seconds:.2f} s"
    )
    assert run.status == 0, run.stderr
    report = run.report()
    assert report["diagnosis"]["code"] == "ok"
    assert "\ufffd" in report["server"]["banner"]
    assert all(c.isprintable() for c in report["server"]["banner"])
    assert run.peak_rss <= baseline.peak_rss + RSS_MARGIN
    assert run.seconds < TIMEOUT
    assert ep.wait_idle()
    attempts = ep.auth_attempts
    assert attempts, "the check never signed in"
    assert all(a.encrypted for a in attempts), attempts
