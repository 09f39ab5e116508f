"""Units for the edges of small core contracts: limits and refusals that real use rarely reaches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smtpwizard.core.app_state import MAX_FILE_BYTES, load_app_state, save_app_state
from smtpwizard.core.check.transcript import MAX_LINE_CHARS, MAX_LINES, Transcript
from smtpwizard.core.errors import InputError
from smtpwizard.core.inputs import parse_host
from smtpwizard.core.probe import ProbeOptions
from smtpwizard.core.settings import Security


def test_a_host_with_a_port_out_of_range_is_refused():
    with pytest.raises(InputError, match="between 1 and 65535"):
        parse_host("smtp.example.com:70000")


def test_a_name_longer_than_dns_allows_is_refused():
    with pytest.raises(InputError, match="longer than DNS allows"):
        parse_host(".".join(["a" * 60] * 5))


def test_the_transcript_stays_bounded():
    transcript = Transcript()
    transcript.client("x" * (MAX_LINE_CHARS + 50))
    assert transcript.lines[0].endswith(f"({MAX_LINE_CHARS + 50} characters in all)")
    for n in range(MAX_LINES + 10):
        transcript.note(f"line {n}")
    lines = transcript.lines
    assert len(lines) == MAX_LINES + 1
    assert lines[-1] == "* (11 more lines not kept)"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ports": ()}, "empty"),
        ({"ports": ((587, Security.STARTTLS), (587, Security.TLS))}, "twice"),
        ({"ports": ((0, Security.STARTTLS),)}, "1-65535"),
        ({"probe_timeout": 0}, "positive"),
        ({"stagger": -1}, "positive"),
        ({"concurrency": 0}, "at least 1"),
    ],
)
def test_probe_options_refuse_nonsense(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ProbeOptions(**kwargs)


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTPWIZARD_CONFIG_DIR", str(tmp_path))
    return tmp_path


def test_app_state_round_trips_and_refuses_secrets_in_lists(config):
    save_app_state({"window_geometry": "abc", "recent": [{"host": "h"}]})
    assert load_app_state() == {"window_geometry": "abc", "recent": [{"host": "h"}]}
    with pytest.raises(ValueError, match=r"state\.recent\[0\]\.password looks like a secret"):
        save_app_state({"recent": [{"password": "hunter2"}]})
    with pytest.raises(ValueError, match="too large"):
        save_app_state({"blob": "x" * MAX_FILE_BYTES})


@pytest.mark.parametrize(
    "content", [b'{"version": 1}', b"[1, 2]", b'{"state": []}', b"\xff\xfe", b"{not json"]
)
def test_damaged_app_state_is_moved_aside_and_reads_as_empty(config, content):
    path = config / "app-state.json"
    path.write_bytes(content)
    assert load_app_state() == {}
    assert not path.exists()
    moved = [p for p in config.iterdir() if p.name.startswith("app-state.json.corrupt")]
    assert len(moved) == 1 and moved[0].read_bytes() == content


def test_an_oversized_app_state_file_is_not_read(config):
    path = config / "app-state.json"
    path.write_text(json.dumps({"state": {"x": "y" * (MAX_FILE_BYTES + 1)}}))
    assert load_app_state() == {}
