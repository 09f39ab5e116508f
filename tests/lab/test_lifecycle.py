"""Starting, stopping and closing: quick, clean, no leaked sockets, threads or pending tasks."""

from __future__ import annotations

import contextlib
import errno
import gc
import socket
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest

from tests.labkit import SCENARIOS, Lab

from .helpers import LineSocket, connect, our_tcp_sockets, socket_fds, starttls_socket

pytestmark = pytest.mark.timeout(30)

BRIEF_SCENARIOS = {
    "starttls_ok", "tls_ok", "plain_ok", "relay_open_noauth",
    "gmail_app_password", "m365_auth_disabled", "m365_basic_auth_off", "cpanel", "oauth_only",
    "no_auth_after_tls",
    "relay_denied", "sender_rejected", "sendas_denied", "recipient_rejected", "message_rejected",
    "busy",
    "self_signed", "hostname_mismatch", "expired", "self_signed_tls",
    "silent", "mute_after_greeting", "closed", "slow_greeter", "huge_banner",
    "endless_continuation", "garbage", "trickle", "ehlo_10000", "invalid_utf8",
    "starttls_stripped", "starttls_fails", "starttls_then_plain",
}  # fmt: skip


def _lab_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "smtpwizard-lab"]


def test_catalogue_has_every_scenario_with_a_description() -> None:
    assert set(SCENARIOS) == BRIEF_SCENARIOS
    assert all(isinstance(text, str) and len(text) > 10 for text in SCENARIOS.values())


def test_close_with_busy_connections_is_quick_and_leaves_nothing(tmp_path: Path) -> None:
    gc.collect()
    sockets_before = socket_fds()
    threads_before = len(_lab_threads())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        lab = Lab()
        workdir = lab.workdir
        endpoints = {name: lab.start(name) for name in sorted(SCENARIOS)}
        assert len(_lab_threads()) == threads_before + 1
        clients = []
        # Connections left in awkward states: waiting, mid-handshake, flooding, mid-TLS-session.
        for name in ("silent", "tls_ok", "self_signed_tls", "endless_continuation", "trickle"):
            clients.append(connect(endpoints[name]))
            assert endpoints[name].wait_connections(1)
        tls, _ = starttls_socket(endpoints["starttls_ok"], lab.ca_file, "localhost")
        clients.append(tls)
        started = time.monotonic()
        lab.close()
        took = time.monotonic() - started
        for sock in clients:
            sock.close()
        gc.collect()
    assert took < 1.0, f"close took {took:.2f} s"
    assert lab.loop_errors == []
    assert len(_lab_threads()) == threads_before
    assert not workdir.exists()
    assert socket_fds() == sockets_before
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
    for name, ep in endpoints.items():
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((ep.host, ep.port), timeout=2).close()
        assert ep.active_connections == 0, name


def test_stop_one_endpoint_keeps_the_others(lab: Lab) -> None:
    first, second = lab.start("plain_ok"), lab.start("plain_ok")
    with connect(first) as held:
        assert LineSocket(held).read_line().startswith(b"220 ")
        first.stop()
        with contextlib.suppress(ConnectionResetError):  # aborted: a reset is fine too
            assert held.recv(1) == b""  # its open connection was closed
    first.stop()  # idempotent
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((first.host, first.port), timeout=2)
    with connect(second) as sock:
        assert LineSocket(sock).read_line().startswith(b"220 ")
    assert first.connections == 1 and first.auth_attempts == [] and first.messages == []


def test_connections_are_counted(lab: Lab) -> None:
    ep = lab.start("busy")
    for _ in range(3):
        with connect(ep) as sock:
            LineSocket(sock).read_reply()
    assert ep.wait_connections(3) and ep.connections == 3
    assert ep.wait_idle()


def test_fixed_port_and_busy_port(lab: Lab) -> None:
    free = lab.start("closed").port
    ep = lab.start("starttls_ok", port=free)
    assert ep.port == free
    with pytest.raises(OSError) as busy:
        lab.start("plain_ok", port=free)
    assert busy.value.errno == errno.EADDRINUSE


def test_binds_other_loopback_addresses_only(lab: Lab) -> None:
    before = _our_listeners()
    ep = lab.start("busy", host="127.0.0.3")
    with socket.create_connection(("127.0.0.3", ep.port), timeout=2) as sock:
        assert LineSocket(sock).read_line().startswith(b"421 ")
    # Asked of the kernel, not by connecting to 127.0.0.1: that port number may be another
    # program's listener there (it connected once in CI, to someone else's server), or
    # another of this process's lab servers (the number is free per address: seen in CI).
    assert _our_listeners() - before == {("127.0.0.3", ep.port)}
    for host in ("0.0.0.0", "10.0.0.1", "localhost", "::1", "example.com"):
        with pytest.raises(ValueError, match=r"127\.0\.0\.0/8"):
            lab.start("busy", host=host)


def _our_listeners() -> set[tuple[str, int]]:
    """The IPv4 (address, port) pairs this process's sockets listen on."""
    return {s.local for s in our_tcp_sockets() if s.state == "0A"}


def test_unknown_scenario_is_a_clear_error(lab: Lab) -> None:
    with pytest.raises(ValueError, match="unknown lab scenario 'nope'; known: starttls_ok"):
        lab.start("nope")


def test_given_workdir_keeps_the_ca(tmp_path: Path) -> None:
    with Lab(workdir=tmp_path / "lab") as lab:
        assert lab.ca_file == tmp_path / "lab" / "ca.pem"
        assert b"BEGIN CERTIFICATE" in lab.ca_file.read_bytes()
        assert b"PRIVATE KEY" not in lab.ca_file.read_bytes()
        lab.start("starttls_ok")
    assert lab.ca_file.exists()
    with pytest.raises(RuntimeError, match="closed"):
        lab.start("starttls_ok")


def test_each_lab_has_its_own_password_and_ca() -> None:
    with Lab() as one, Lab() as two:
        assert one.username == two.username == "anna@lab.test"
        assert one.password != two.password and len(one.password) >= 12
        assert one.ca_file.read_bytes() != two.ca_file.read_bytes()


def test_lab_does_not_import_qt() -> None:
    code = (
        "import sys, smtpwizard.lab, smtpwizard.lab.demo\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'qasync', 'shiboken6'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)
