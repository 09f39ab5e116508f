"""`check --report` and `report show`: the files, what they never hold, and bad report files."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime

import pytest

from smtpwizard.cli import main
from smtpwizard.core.desk import build_report, load_report, render_html, report_paths
from smtpwizard.core.desk.report import secret_free
from smtpwizard.core.desk.report_text import report_lines
from smtpwizard.core.errors import InputError
from tests.desk.conftest import check_with_report, load


def test_report_files_and_show(lab, tmp_path, capsys):
    ep = lab.start("starttls_ok")
    assert check_with_report(lab, ep, tmp_path / "case-41") == 0
    html_path, json_path = tmp_path / "case-41.html", tmp_path / "case-41.json"
    for path in (html_path, json_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert ep.password not in path.read_text(encoding="utf-8")
    report = load(json_path)
    assert report["format"] == "smtpwizard-report" and report["version"] == 1
    assert report["settings"]["host"] == ep.host and report["email"] == ep.username
    assert [s["name"] for s in report["steps"]][:3] == ["resolve", "connect", "greeting"]
    assert all(isinstance(s["duration"], float) for s in report["steps"])
    assert report["ports"][0]["port"] == ep.port and report["ports"][0]["status"] == "working"
    assert {s["source"] for s in report["discovery"]["sources"]} >= {"provider_table", "ispdb"}
    assert report["certificate"]["verified"] is True
    assert any("<hidden" in line for line in report["transcript"])
    capsys.readouterr()

    assert main(["report", "show", str(json_path)]) == 0
    out = capsys.readouterr().out
    assert "PASSED: Everything works [ok]" in out
    assert f"{ep.host} {ep.port}: working starttls" in out
    assert "Thunderbird's database" in out and report["certificate"]["fingerprint_sha256"] in out
    assert ep.password not in out
    assert main(["report", "show", str(html_path), "--json"]) == 0  # the page's twin is read
    assert json.loads(capsys.readouterr().out)["diagnosis"]["code"] == "ok"


def test_wrong_password_report(lab, tmp_path, capsys):
    ep = lab.start("starttls_ok")
    secret = "Wr0ng-but-secret"
    assert check_with_report(lab, ep, tmp_path / "r.json", password=secret) == 1
    for name in ("r.json", "r.html"):
        assert secret not in (tmp_path / name).read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["report", "show", str(tmp_path / "r.json")]) == 1
    assert "FAILED: " in capsys.readouterr().out


def test_report_folder_must_exist(lab, tmp_path, capsys):
    ep = lab.start("starttls_ok")
    assert check_with_report(lab, ep, tmp_path / "no" / "such" / "r.html") == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe not json", "not a JSON report"),
        (b"[1, 2]", "not an smtpwizard report"),
        (b'{"format": "smtpwizard-report", "version": 7}', "newer than this smtpwizard"),
        (
            b'{"format": "smtpwizard-report", "version": 1, "settings": {}}',
            "damaged (no diagnosis)",
        ),
    ],
)
def test_bad_report_files(tmp_path, capsys, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    assert main(["report", "show", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_missing_and_special_files(tmp_path, capsys):
    assert main(["report", "show", str(tmp_path / "gone.json")]) == 2
    assert "no such file" in capsys.readouterr().err
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    assert main(["report", "show", str(fifo)]) == 2  # refused, not a read that blocks forever
    assert "not a regular file" in capsys.readouterr().err
    locked = tmp_path / "locked.json"
    locked.write_text("{}")
    locked.chmod(0)
    if os.geteuid() != 0:  # root reads anything
        assert main(["report", "show", str(locked)]) == 2


def test_report_paths():
    from pathlib import Path

    assert report_paths(Path("a/r.HTML")) == (Path("a/r.HTML"), Path("a/r.json"))
    assert report_paths(Path("r.json")) == (Path("r.html"), Path("r.json"))
    assert report_paths(Path("case.41")) == (Path("case.41.html"), Path("case.41.json"))


def test_secret_net_and_hostile_json(tmp_path):
    report = {"transcript": ["AUTH PLAIN hunter22"]}
    with pytest.raises(ValueError, match="secret"):
        secret_free(report, ["hunter22"])
    assert secret_free(report, ["", "ab"]) is report  # too short to look for meaningfully
    hostile = {
        "format": "smtpwizard-report",
        "version": 1,
        "settings": {"host": "x\x1b[2Jy"},
        "diagnosis": {"title\x07": "a\u202eb"},
        "steps": [],
    }
    path = tmp_path / "h.json"
    path.write_text(json.dumps(hostile))
    loaded = load_report(path)
    assert "\x1b" not in loaded["settings"]["host"] and "\u202e" not in json.dumps(loaded)
    assert not any("\x07" in key for key in loaded["diagnosis"])


def test_build_report_without_extras(lab, tmp_path):
    import asyncio

    from smtpwizard.core.check import CheckOptions, run_check
    from smtpwizard.core.settings import Security, ServerSettings

    ep = lab.start("closed")
    settings = ServerSettings(host=ep.host, port=ep.port, security=Security.STARTTLS)
    result = asyncio.run(run_check(settings, options=CheckOptions(timeout=3)))
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    report = build_report(result, now=moment)
    assert report["created"] == "2026-01-02T03:04:05Z"
    assert report["ports"] is None and report["discovery"] is None
    assert report["certificate"] is None and report["preset"] is None
    page = render_html(report)
    assert "No ports were probed" in page and "no discovery ran" in page
    assert "No certificate was seen" in page
    text = "\n".join(report_lines(report))
    assert "Ports: not probed" in text and "Certificate: none seen." in text
    assert "connection_refused" in text
    with pytest.raises(InputError, match="no such file"):
        load_report(tmp_path / "missing.json")
