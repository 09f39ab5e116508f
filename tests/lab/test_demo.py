"""The demo server: login and send on both ports, a CA that survives restarts, clean signals."""

from __future__ import annotations

import asyncio
import os
import queue
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import aiosmtplib
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from smtpwizard.lab.demo import (
    DEMO_PASSWORD,
    DEMO_USERNAME,
    DemoInfo,
    format_demo_instructions,
    start_demo,
)

from .helpers import message

pytestmark = pytest.mark.timeout(30)


async def _send(host: str, port: int, ca_file: Path, implicit: bool, to: str) -> None:
    smtp = aiosmtplib.SMTP(
        hostname=host,
        port=port,
        cert_bundle=str(ca_file),
        timeout=5,
        use_tls=implicit,
        start_tls=not implicit,
    )
    await smtp.connect()
    await smtp.login(DEMO_USERNAME, DEMO_PASSWORD)
    await smtp.sendmail(DEMO_USERNAME, [to], message(DEMO_USERNAME, to))
    await smtp.quit()


async def test_demo_takes_mail_on_both_ports(tmp_path: Path) -> None:
    with start_demo(starttls_port=None, tls_port=None, workdir=tmp_path) as demo:
        assert (demo.username, demo.password) == ("demo@smtpwizard.test", "demo-password-123")
        assert demo.ca_file == tmp_path / "ca.pem" and demo.notes == []
        await _send("localhost", demo.starttls_port, demo.ca_file, False, "one@example.test")
        await _send("127.0.0.1", demo.tls_port, demo.ca_file, True, "two@example.test")
        assert demo.wait_messages(2)
        assert [m.rcpt_tos for m in demo.messages] == [["one@example.test"], ["two@example.test"]]
        with pytest.raises(aiosmtplib.SMTPAuthenticationError):
            smtp = aiosmtplib.SMTP(
                hostname="localhost", port=demo.starttls_port, cert_bundle=str(demo.ca_file)
            )
            async with smtp:
                await smtp.login(DEMO_USERNAME, "wrong")
    assert demo.lab.loop_errors == []


def _der(pem: bytes) -> bytes:
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


def test_demo_ca_is_reused_and_its_key_never_written(tmp_path: Path) -> None:
    with start_demo(starttls_port=None, tls_port=None, workdir=tmp_path) as first:
        ca_pem = first.ca_file.read_bytes()
        fingerprint = first.endpoints[0].fingerprint
    with start_demo(starttls_port=None, tls_port=None, workdir=tmp_path) as second:
        assert second.ca_file.read_bytes() == ca_pem
        assert second.endpoints[0].fingerprint == fingerprint
        asyncio.run(
            _send("localhost", second.starttls_port, tmp_path / "ca.pem", False, "a@b.test")
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ca.pem", "server.pem"]
    assert b"PRIVATE KEY" not in ca_pem
    server = (tmp_path / "server.pem").read_bytes()
    assert stat.S_IMODE((tmp_path / "server.pem").stat().st_mode) == 0o600
    leaf_key = serialization.load_pem_private_key(server, password=None).public_key()
    ca_key = x509.load_pem_x509_certificate(ca_pem).public_key()
    assert leaf_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != ca_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_demo_replaces_unusable_certificate_files(tmp_path: Path) -> None:
    with start_demo(starttls_port=None, tls_port=None, workdir=tmp_path) as first:
        old_ca = first.ca_file.read_bytes()
    (tmp_path / "server.pem").write_bytes(b"not a certificate")
    with start_demo(starttls_port=None, tls_port=None, workdir=tmp_path) as second:
        assert second.ca_file.read_bytes() != old_ca
        asyncio.run(_send("localhost", second.starttls_port, second.ca_file, False, "a@b.test"))


def test_busy_fixed_port_falls_back_and_says_so(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        busy = squatter.getsockname()[1]
        with start_demo(starttls_port=busy, tls_port=None, workdir=tmp_path) as demo:
            assert demo.starttls_port not in (busy, 0)
            assert demo.notes == [
                f"Port {busy} is in use by another program, so the STARTTLS demo uses port "
                f"{demo.starttls_port} instead."
            ]
            assert demo.notes[0] in format_demo_instructions(demo)


def test_instructions_name_every_setting() -> None:
    info = DemoInfo()
    info.starttls_port, info.tls_port = 2587, 2465
    info.ca_file = Path("/home/ann/.local/share/smtpwizard/demo/ca.pem")
    text = format_demo_instructions(info)
    for expected in (
        "Server:    localhost",
        "2587 with security STARTTLS",
        "2465 with security SSL/TLS",
        "Username:  demo@smtpwizard.test",
        "Password:  demo-password-123",
        "  /home/ann/.local/share/smtpwizard/demo/ca.pem",
        "smtpwizard check --host localhost --port 2587 --security starttls "
        "--user demo@smtpwizard.test --password-env SMTPWIZARD_PASSWORD "
        "--ca-file /home/ann/.local/share/smtpwizard/demo/ca.pem",
    ):
        assert expected in text
    assert "Ctrl+C" not in text
    info.foreground = True
    info.ca_file = Path("/tmp/with space/ca.pem")
    text = format_demo_instructions(info)
    assert "--ca-file '/tmp/with space/ca.pem'" in text and "Ctrl+C" in text


def _lines(stream: object) -> queue.Queue[str]:
    found: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:  # type: ignore[attr-defined]
            found.put(line.rstrip("\n"))
        found.put("<EOF>")

    threading.Thread(target=pump, daemon=True).start()
    return found


def _until(lines: queue.Queue[str], pattern: str, seen: list[str]) -> re.Match[str]:
    deadline = time.monotonic() + 10
    while True:
        line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        seen.append(line)
        if match := re.search(pattern, line):
            return match
        assert line != "<EOF>", "\n".join(seen)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_foreground_server_prints_mail_and_stops_on_signal(tmp_path: Path, sig: int) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "smtpwizard.lab.demo", "0", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        lines, seen = _lines(proc.stdout), list[str]()
        port = int(_until(lines, r"Port:\s+(\d+) with security STARTTLS", seen)[1])
        _until(lines, r"Press Ctrl\+C", seen)
        ca_file = tmp_path / "data" / "smtpwizard" / "demo" / "ca.pem"
        assert f"--ca-file {ca_file}" in "\n".join(seen)
        asyncio.run(_send("localhost", port, ca_file, False, "bob@example.test"))
        _until(
            lines, r"^Received a test message from demo@smtpwizard.test to bob@example.test", seen
        )
        started = time.monotonic()
        proc.send_signal(sig)
        assert proc.wait(timeout=5) == 0, "\n".join(seen)
        assert time.monotonic() - started < 2.0
    finally:
        proc.kill()
        proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()
