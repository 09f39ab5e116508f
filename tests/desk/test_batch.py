"""`smtpwizard batch` against lab servers on loopback, one of them behind a connection limit."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from smtpwizard.cli import main
from tests.discovery.servers import DnsServer, Zone
from tests.labkit.limiter import ConnectionLimit

PW = "SMTPWIZARD_BATCH_PW"
HEADER = "email,host,port,security,username,password_env"


@pytest.fixture
def good(lab):
    return lab.start("starttls_ok", host="127.0.16.1")


def _write(path: Path, lines: list[str], mode: int = 0o600) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(mode)
    return path


def _results(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _batch(lab, accounts, out, *extra):
    return main(
        [
            "batch",
            str(accounts),
            "-o",
            str(out),
            "--ca-file",
            str(lab.ca_file),
            "--timeout",
            "5",
            "--retry-delay",
            "0.2",
            *extra,
        ]
    )


def test_mixed_accounts_in_order(lab, good, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(PW, good.password)
    monkeypatch.setenv("WRONG_PW", "not-the-password-123")
    tls = lab.start("tls_ok", host="127.0.16.1")
    cert = lab.start("self_signed", host="127.0.16.1")
    closed = lab.start("closed", host="127.0.16.1")
    g = f"{good.host},{good.port},starttls,{good.username}"
    lines = [
        HEADER,
        f"anna@lab.test,{g},{PW}",
        f"wrong@lab.test,{g},WRONG_PW",
        f"tls@lab.test,{tls.host},{tls.port},tls,{tls.username},{PW}",
        f"cert@lab.test,{cert.host},{cert.port},starttls,x@lab.test,{PW}",
        f"gone@lab.test,{closed.host},{closed.port},starttls,,",
        f"again@lab.test,{g},{PW}",
    ]
    accounts = _write(tmp_path / "accounts.csv", lines, 0o644)  # no password column: fine
    out = tmp_path / "results.csv"
    assert _batch(lab, accounts, out) == 1
    stdout, stderr = capsys.readouterr()
    rows = _results(out)
    assert [r["email"] for r in rows] == [line.split(",")[0] for line in lines[1:]]
    assert [r["code"] for r in rows] == [
        "ok",
        "auth_failed",
        "ok",
        "cert_untrusted",
        "connection_refused",
        "ok",
    ]
    assert [r["ok"] for r in rows] == ["true", "false", "true", "false", "false", "true"]
    assert rows[2]["port"] == str(tls.port) and rows[2]["security"] == "tls"
    assert all(float(r["seconds"]) >= 0 and r["title"] and r["fix"] for r in rows)
    assert "3 of 6 accounts passed" in stdout
    assert "auth_failed" in stdout and "What to do:" in stdout
    assert "batch: 6/6 done, 3 failed" in stderr  # plain progress: stderr is not a terminal
    for text in (out.read_text(), stdout, stderr):
        assert good.password not in text and "not-the-password-123" not in text
    assert os.stat(out).st_mode & 0o077 == 0


def test_connection_limit_backoff_and_retry(lab, good, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(PW, good.password)
    with ConnectionLimit((good.host, good.port), 2) as limit:
        lines = [HEADER] + [
            f"u{n}@lab.test,{limit.host},{limit.port},starttls,{good.username},{PW}"
            for n in range(12)
        ]
        accounts = _write(tmp_path / "a.csv", lines)
        # Within the server's limit: nothing is turned away. (One below it: a server counts a
        # connection as gone only once it has seen the close, a moment after our QUIT.)
        assert (
            _batch(lab, accounts, tmp_path / "r1.csv", "--concurrency", "8", "--per-server", "1")
            == 0
        )
        assert limit.peak <= 2 and limit.refused == 0
        capsys.readouterr()
        # Over it: turned away with 421, then retried once after a backoff.
        assert _batch(
            lab, accounts, tmp_path / "r2.csv", "--concurrency", "8", "--per-server", "6", "--json"
        ) in (0, 1)
        assert limit.refused > 0
    rows = [json.loads(line) for line in (tmp_path / "r2.csv").read_text().splitlines()]
    assert [r["email"] for r in rows] == [f"u{n}@lab.test" for n in range(12)]
    assert {r["code"] for r in rows} <= {"ok", "server_busy"}
    # Without the retry every refused check would have failed: more passed than got through
    # at first (at most the limit's 2 at a time of the first 6).
    assert sum(r["ok"] for r in rows) > 12 - limit.refused
    summary = json.loads(capsys.readouterr().out)
    assert summary["total"] == 12 and sum(c["count"] for c in summary["codes"]) == 12


def test_discovery_once_per_domain(lab, tmp_path, capsys):
    zone = Zone()  # nothing for these domains: every source answers "nothing", fast
    with DnsServer(zone) as dns:
        lines = ["email"] + [f"p{n}@one.test" for n in range(5)] + ["q@two.test", "r@one.test"]
        accounts = _write(tmp_path / "a.csv", lines)
        status = main(
            [
                "batch",
                str(accounts),
                "-o",
                str(tmp_path / "r.csv"),
                "--dns-server",
                f"{dns.address[0]}:{dns.address[1]}",
                "--timeout",
                "5",
            ]
        )
        mx_questions = [q for q in dns.queries if q[2] == "MX"]
    assert status == 1
    rows = _results(tmp_path / "r.csv")
    assert [r["code"] for r in rows] == ["server_not_found"] * 7
    assert rows[5]["title"] == "No working outgoing server found for two.test"
    assert sorted(name.rstrip(".") for _, name, _ in mx_questions) == ["one.test", "two.test"]


def test_password_column_needs_a_private_file(lab, good, tmp_path, capsys):
    lines = ["email,host,port,password", f"anna@lab.test,{good.host},{good.port},{good.password}"]
    shared = _write(tmp_path / "shared.csv", lines, 0o640)
    assert _batch(lab, shared, tmp_path / "r.csv") == 2
    err = capsys.readouterr().err
    assert "other users of this computer can read it" in err and "chmod 600" in err
    assert not (tmp_path / "r.csv").exists()
    private = _write(
        tmp_path / "private.csv",
        [
            "email,host,port,username,password",
            f"anna@lab.test,{good.host},{good.port},{good.username},{good.password}",
        ],
    )
    assert _batch(lab, private, tmp_path / "r.csv") == 0
    assert good.password not in (tmp_path / "r.csv").read_text()


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["host", "smtp.example.com"], "needs an email column"),
        (["email,server", "a@b.test,x"], "unknown column 'server'"),
        (["email,port", "a@b.test,587"], "a port or security without a host"),
        (["email,host,port", "a@b.test,h.test,587", "c@d.test,h.test,99999"], "line 3"),
        (["email,host,security", "a@b.test,h.test,ssl"], "security must be"),
        (["email,password_env", "a@b.test,NO_SUCH_VARIABLE_H16"], "is not set"),
        (["email", "not-an-address"], "line 2"),
        (["email,host", "a@b.test"], "1 values for 2 columns"),
        (["email"], "no accounts after the header row"),
    ],
)
def test_bad_input_changes_nothing(tmp_path, capsys, lines, message):
    accounts = _write(tmp_path / "a.csv", lines)
    out = tmp_path / "r.csv"
    assert main(["batch", str(accounts), "-o", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_existing_results_need_resume_or_force(lab, good, tmp_path, capsys):
    accounts = _write(
        tmp_path / "a.csv", ["email,host,port", f"a@lab.test,{good.host},{good.port}"]
    )
    out = tmp_path / "r.csv"
    out.write_text("precious\n")
    assert _batch(lab, accounts, out) == 2
    assert "add --resume" in capsys.readouterr().err and out.read_text() == "precious\n"
    assert _batch(lab, accounts, out, "--resume") == 2  # not results of this batch
    assert "not a results file" in capsys.readouterr().err and out.read_text() == "precious\n"
    assert _batch(lab, accounts, accounts) == 2
    assert _batch(lab, accounts, out, "--force") == 0


def test_deadline_reports_every_row(lab, good, tmp_path, capsys):
    with ConnectionLimit((good.host, good.port), 10, delay=30) as slow:
        lines = ["email,host,port"] + [f"s{n}@lab.test,{slow.host},{slow.port}" for n in range(4)]
        accounts = _write(tmp_path / "a.csv", lines)
        began = time.monotonic()
        assert _batch(lab, accounts, tmp_path / "r.csv", "--deadline", "1") == 1
        assert time.monotonic() - began < 20
    rows = _results(tmp_path / "r.csv")
    assert [r["code"] for r in rows] == ["deadline_reached"] * 4
    assert "--resume" in rows[0]["fix"]


@contextlib.contextmanager
def _sigint_reaches_children() -> Iterator[None]:
    """Children started here get SIGINT at its default, whatever this process inherited.

    A suite started in the background without job control (`sh -c '... &'`, nohup) has SIGINT
    ignored, an ignored signal stays ignored across exec, and Python then leaves it ignored, as
    a background job should: the batch never saw the test's Ctrl-C and ran to the end (exit 0
    instead of 130). A caught signal is reset to its default at exec, so catching it here for
    the moment of the fork gives the child the disposition a terminal's foreground job has.
    """
    before = signal.getsignal(signal.SIGINT)
    if before is not signal.SIG_IGN:
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL, signal.SIGINT])
def test_interrupted_then_resumed(lab, good, tmp_path, how):
    with ConnectionLimit((good.host, good.port), 10, delay=0.25) as slow:
        lines = [HEADER] + [
            f"k{n}@lab.test,{slow.host},{slow.port},starttls,{good.username},{PW}"
            for n in range(16)
        ]
        accounts = _write(tmp_path / "a.csv", lines)
        out = tmp_path / "r.csv"
        env = {**os.environ, PW: good.password}
        command = [
            sys.executable,
            "-m",
            "smtpwizard",
            "batch",
            str(accounts),
            "-o",
            str(out),
            "--ca-file",
            str(lab.ca_file),
            "--concurrency",
            "2",
            "--timeout",
            "10",
        ]
        with _sigint_reaches_children():
            proc = subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
        deadline = time.monotonic() + 60
        while (not out.exists() or out.read_text().count("\n") < 3) and proc.poll() is None:
            assert time.monotonic() < deadline, "no rows were written"
            time.sleep(0.02)  # polling a file for a condition, not synchronising on time
        proc.send_signal(how)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == (-signal.SIGKILL if how is signal.SIGKILL else 130), err
        if how is not signal.SIGKILL:
            assert "run the same command with --resume" in err
        done = _results(out)
        assert 2 <= len(done) < 16
        assert [r["email"] for r in done] == [f"k{n}@lab.test" for n in range(len(done))]
        slow.settle()  # what the killed process left in the listen queue is counted first
        before = slow.accepted
        resumed = subprocess.run(
            [*command, "--resume"], env=env, capture_output=True, text=True, timeout=120
        )
        assert resumed.returncode == 0, resumed.stderr
        assert slow.accepted - before == 16 - len(done)  # the rows done were not checked again
    rows = _results(out)
    assert [r["email"] for r in rows] == [f"k{n}@lab.test" for n in range(16)]
    assert all(r["ok"] == "true" for r in rows)
    assert "16 of 16 accounts passed" in resumed.stdout


def test_the_limiter_counts_what_a_gone_client_left_queued(good):
    # what test_interrupted_then_resumed relies on: settle() returns only after every
    # connection a client made (and closed at once, as a killed process does) was counted
    with ConnectionLimit((good.host, good.port), 10, delay=0.25) as slow:
        for _ in range(8):
            socket.create_connection((slow.host, slow.port), timeout=5).close()
        slow.settle()
        assert (slow.accepted, slow.active) == (8, 0)


def test_resume_drops_a_line_cut_short(lab, good, tmp_path, capsys):
    lines = ["email,host,port"] + [f"c{n}@lab.test,{good.host},{good.port}" for n in range(3)]
    accounts = _write(tmp_path / "a.csv", lines)
    out = tmp_path / "r.csv"
    assert _batch(lab, accounts, out) == 0
    text = out.read_text().splitlines(keepends=True)
    out.write_text("".join(text[:2]) + text[2][:10])  # as a kill mid-write leaves it
    assert _batch(lab, accounts, out, "--resume") == 0
    assert [r["email"] for r in _results(out)] == ["c0@lab.test", "c1@lab.test", "c2@lab.test"]


def test_progress_bar_on_a_terminal(lab, good, tmp_path):
    import pty

    lines = ["email,host,port"] + [f"t{n}@lab.test,{good.host},{good.port}" for n in range(3)]
    accounts = _write(tmp_path / "a.csv", lines)
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "smtpwizard",
            "batch",
            str(accounts),
            "-o",
            str(tmp_path / "r.csv"),
            "--ca-file",
            str(lab.ca_file),
        ],
        stdout=subprocess.DEVNULL,  # the bar goes to the terminal (stderr); nothing reads stdout
        stderr=slave,
        env={**os.environ, "COLUMNS": "120"},
    )
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the pty closes when the child is gone
            break
        if not chunk:
            break
        shown += chunk
    proc.wait(timeout=60)
    os.close(master)
    text = shown.decode("utf-8", "replace")
    assert proc.returncode == 0
    assert "Checking" in text and "3/3" in text and "0 failed" in text and "/s" in text
    assert "batch: " not in text  # the bar, not the plain lines
