"""Raw-socket and aiosmtplib helpers for the lab tests. Every read is bounded, with a deadline."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import ssl
from pathlib import Path
from typing import Any, NamedTuple

import aiosmtplib

DEADLINE = 5.0


def plain_b64(username: str, password: str) -> str:
    return base64.b64encode(f"\0{username}\0{password}".encode()).decode()


def connect(ep: Any, timeout: float = DEADLINE) -> socket.socket:
    sock = socket.create_connection((ep.host, ep.port), timeout=timeout)
    sock.settimeout(timeout)
    return sock


class LineSocket:
    """A blocking socket (plain or TLS) read by lines, never buffering more than `limit` bytes."""

    def __init__(self, sock: socket.socket | ssl.SSLSocket, limit: int = 1 << 16) -> None:
        self.sock = sock
        self.limit = limit
        self.buffer = b""

    def read_line(self) -> bytes:
        while b"\n" not in self.buffer:
            if len(self.buffer) > self.limit:
                raise AssertionError(f"line longer than {self.limit} bytes")
            chunk = self.sock.recv(4096)
            if not chunk:
                raise EOFError(f"connection closed; partial line {self.buffer[:80]!r}")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.rstrip(b"\r")

    def read_reply(self, max_lines: int = 100) -> list[bytes]:
        """All lines of one reply ("250-a", "250 b"); fails beyond max_lines."""
        lines = [self.read_line()]
        while lines[-1][3:4] == b"-":
            if len(lines) >= max_lines:
                raise AssertionError(f"reply longer than {max_lines} lines")
            lines.append(self.read_line())
        return lines

    def command(self, text: str, max_lines: int = 100) -> list[bytes]:
        self.sock.sendall(text.encode() + b"\r\n")
        return self.read_reply(max_lines)


def starttls_socket(
    ep: Any, ca_file: Path | None, server_hostname: str
) -> tuple[ssl.SSLSocket, list[bytes]]:
    """Greeting, EHLO, STARTTLS over a raw socket, then a verifying TLS handshake."""
    conn = LineSocket(connect(ep))
    conn.read_reply()
    ehlo = conn.command("EHLO client.test")
    assert conn.command("STARTTLS")[0].startswith(b"220")
    ctx = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    return ctx.wrap_socket(conn.sock, server_hostname=server_hostname), ehlo


def peer_fingerprint(tls_sock: ssl.SSLSocket) -> str:
    der = tls_sock.getpeercert(binary_form=True)
    assert der is not None
    return hashlib.sha256(der).hexdigest()


def client(ep: Any, lab: Any, **kw: Any) -> aiosmtplib.SMTP:
    """An aiosmtplib client in the mode the endpoint is meant for, unless kw says otherwise."""
    mode: dict[str, Any]
    if ep.security == "tls":
        mode = {"use_tls": True}
    elif ep.security == "starttls":
        mode = {"start_tls": True}
    else:
        mode = {"start_tls": False}
    options: dict[str, Any] = {
        "hostname": ep.host,
        "port": ep.port,
        "cert_bundle": str(lab.ca_file),
        "timeout": DEADLINE,
        "local_hostname": "client.test",
        **mode,
    }
    options.update(kw)
    return aiosmtplib.SMTP(**options)


def message(sender: str, to: str, subject: str = "lab test") -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{os.urandom(6).hex()}@lab>\r\n\r\nHello from the lab tests.\r\n"
    ).encode()


def socket_fds() -> set[str]:
    """Inode names of this process's open sockets (Linux /proc)."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:"):
            found.add(target)
    return found


class TcpSocket(NamedTuple):
    local: tuple[str, int]
    remote: tuple[str, int]
    state: str  # the kernel's code: "01" established, "0A" listening


def our_tcp_sockets() -> list[TcpSocket]:
    """This process's IPv4 TCP sockets, as the kernel lists them (Linux /proc/net/tcp).

    A connection closed by us may stay in that table a while (FIN_WAIT, TIME_WAIT), but with
    no descriptor: only the ones an open descriptor of this process refers to are listed.
    """
    ours = {name[len("socket:[") : -1] for name in socket_fds()}
    found = []
    with open("/proc/net/tcp", encoding="ascii") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            if fields[9] in ours:
                found.append(TcpSocket(_endpoint(fields[1]), _endpoint(fields[2]), fields[3]))
    return found


def _endpoint(field: str) -> tuple[str, int]:
    address, _, port = field.partition(":")
    return socket.inet_ntoa(bytes.fromhex(address)[::-1]), int(port, 16)
