"""Real servers on loopback for discovery tests: a DNS server (UDP+TCP) and HTTP(S) servers.

Both run in threads with their own sockets, so the code under test talks to them exactly as it
would to real ones. They record what they were asked, for assertions.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import ssl
import struct
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

LOOPBACK = "127.0.0.1"


# ---------------------------------------------------------------- DNS


@dataclass
class Zone:
    """name -> {type: [rdata text]}; names absent from records are NXDOMAIN."""

    records: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)  # answer late (seconds)
    silent: set[str] = field(default_factory=set)  # never answer (a dropped query)
    truncate_udp: set[str] = field(default_factory=set)  # force the client over to TCP

    def add(self, name: str, rdtype: str, *values: str) -> Zone:
        self.records.setdefault(name.lower().rstrip("."), {}).setdefault(rdtype, []).extend(values)
        return self


class DnsServer:
    """host/port: where to listen; port 0 picks a free one. A fixed port (53, for daemons that
    read /etc/resolv.conf) needs an address of the suite's own loopback range."""

    def __init__(self, zone: Zone, host: str = LOOPBACK, port: int = 0) -> None:
        self.zone = zone
        self.queries: list[tuple[str, str, str]] = []  # (transport, name, type)
        self._stopping = threading.Event()
        self._host, self._port = host, port
        self._udp, self._tcp = self._bind_both()
        self.address = (host, self._udp.server_address[1])
        self._threads = [
            threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
            )
            for server in (self._udp, self._tcp)
        ]

    def _bind_both(self) -> tuple[socketserver.ThreadingUDPServer, _TcpServer]:
        owner = self
        for _ in range(20 if self._port == 0 else 1):
            udp = socketserver.ThreadingUDPServer((self._host, self._port), _udp_handler(owner))
            udp.daemon_threads = True
            try:
                tcp = _TcpServer((self._host, udp.server_address[1]), _tcp_handler(owner))
                tcp.daemon_threads = True
                return udp, tcp
            except OSError:
                udp.server_close()
        raise RuntimeError("no free port for both UDP and TCP")

    def __enter__(self) -> DnsServer:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        for server in (self._udp, self._tcp):
            server.shutdown()
            server.server_close()

    def answer(self, wire: bytes, transport: str) -> bytes | None:
        query = dns.message.from_wire(wire)
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        self.queries.append((transport, name, rdtype))
        if name in self.zone.silent:
            return None
        delay = self.zone.delays.get(name)
        if delay and self._stopping.wait(delay):
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if transport == "udp" and name in self.zone.truncate_udp:
            response.flags |= dns.flags.TC
            return response.to_wire()
        entry = self.zone.records.get(name)
        if entry is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif rdtype in entry:
            response.answer.append(
                dns.rrset.from_text_list(
                    question.name, 60, dns.rdataclass.IN, rdtype, entry[rdtype]
                )
            )
        return response.to_wire()

    def asked(self, name: str, rdtype: str) -> bool:
        return any(n == name and t == rdtype for _, n, t in self.queries)


class _TcpServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True


def _udp_handler(owner: DnsServer) -> type[socketserver.BaseRequestHandler]:
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            data, sock = self.request
            reply = owner.answer(data, "udp")
            if reply is not None:
                sock.sendto(reply, self.client_address)

    return Handler


def _tcp_handler(owner: DnsServer) -> type[socketserver.BaseRequestHandler]:
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            sock: socket.socket = self.request
            sock.settimeout(5)
            with contextlib.suppress(OSError):
                header = _recv_exact(sock, 2)
                wire = _recv_exact(sock, struct.unpack("!H", header)[0])
                reply = owner.answer(wire, "tcp")
                if reply is not None:
                    sock.sendall(struct.pack("!H", len(reply)) + reply)

    return Handler


def _recv_exact(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise OSError("closed")
        data += chunk
    return data


# ---------------------------------------------------------------- HTTP(S)


@dataclass
class Route:
    body: bytes | Callable[[], Iterable[bytes]] = b""
    status: int = 200
    content_type: str | None = "text/xml"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # wait before answering
    hang: bool = False  # never answer; record when the client goes away
    content_length: bool = True  # False: stream until the connection closes
    declared_length: int | None = None  # Content-Length to announce for a generated body


@dataclass
class SeenRequest:
    scheme: str
    host: str
    path: str  # with the query string, exactly as sent
    headers: dict[str, str]
    client_port: int


class Web:
    """An https and an http server sharing one route table keyed by (scheme, host, path)."""

    def __init__(self, server_context: ssl.SSLContext) -> None:
        self.routes: dict[tuple[str, str, str], Route] = {}
        self.requests: list[SeenRequest] = []
        self.request_seen = threading.Event()
        self.hang_started = threading.Event()  # a request reached a hang=True route
        self.client_closed = threading.Event()  # ... and its client went away
        self.stopping = threading.Event()
        self._https = _HttpServer((LOOPBACK, 0), _web_handler(self, "https"), server_context)
        self._http = _HttpServer((LOOPBACK, 0), _web_handler(self, "http"), None)
        self.https_port = self._https.server_address[1]
        self.http_port = self._http.server_address[1]

    def route(self, url: str, route: Route) -> None:
        """url like https://autoconfig.example.test/mail/config-v1.1.xml (no port)."""
        scheme, rest = url.split("://", 1)
        host, _, path = rest.partition("/")
        self.routes[(scheme, host, "/" + path)] = route

    def seen(self, scheme: str | None = None, host: str | None = None) -> list[SeenRequest]:
        return [
            r
            for r in self.requests
            if (scheme is None or r.scheme == scheme) and (host is None or r.host == host)
        ]

    def __enter__(self) -> Web:
        for server in (self._https, self._http):
            threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
            ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        for server in (self._https, self._http):
            server.shutdown()
            server.server_close()


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        context: ssl.SSLContext | None,
    ) -> None:
        self._context = context
        super().__init__(address, handler)

    def get_request(self) -> tuple[socket.socket, tuple[str, int]]:
        sock, address = super().get_request()
        if self._context is not None:
            # Handshake in the handler thread, so a silent client cannot block accept().
            sock = self._context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address


def _web_handler(web: Web, scheme: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = 10

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
            path_only = self.path.split("?", 1)[0]
            web.requests.append(
                SeenRequest(scheme, host, self.path, dict(self.headers), self.client_address[1])
            )
            web.request_seen.set()
            route = web.routes.get((scheme, host, path_only))
            if route is None:
                self.send_error(404)
                return
            if route.hang:
                web.hang_started.set()
                self._wait_for_client_to_leave()
                return
            if route.delay and web.stopping.wait(route.delay):
                return
            self._respond(route)

        def _respond(self, route: Route) -> None:
            self.send_response(route.status)
            if route.content_type is not None:
                self.send_header("Content-Type", route.content_type)
            for name, value in route.headers.items():
                self.send_header(name, value)
            chunks: Iterable[bytes]
            if callable(route.body):
                chunks = route.body()
                if route.declared_length is not None:
                    self.send_header("Content-Length", str(route.declared_length))
            else:
                chunks = [route.body]
                if route.content_length:
                    self.send_header("Content-Length", str(len(route.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            with contextlib.suppress(OSError):
                for chunk in chunks:
                    self.wfile.write(chunk)

        def _wait_for_client_to_leave(self) -> None:
            self.connection.settimeout(0.05)
            while not web.stopping.is_set():
                try:
                    if not self.connection.recv(1):
                        break
                except (TimeoutError, ssl.SSLWantReadError):
                    continue
                except OSError:
                    break
            web.client_closed.set()

    return Handler


def repeated(chunk: bytes, total: int) -> Callable[[], Iterator[bytes]]:
    def generate() -> Iterator[bytes]:
        sent = 0
        while sent < total:
            yield chunk
            sent += len(chunk)

    return generate


class SilentTcp:
    """Accepts connections and never says a word (a TLS handshake that never completes).

    Records when a client connected and when that client went away (EOF or reset)."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind((LOOPBACK, 0))
        self._sock.listen()
        self._sock.settimeout(0.05)
        self.port = self._sock.getsockname()[1]
        self.connected = threading.Event()
        self.client_closed = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                self.connected.set()
                conn.settimeout(0.05)
                while not self._stopping.is_set():
                    try:
                        if not conn.recv(4096):
                            break
                    except TimeoutError:
                        continue
                    except OSError:
                        break
                self.client_closed.set()

    def __enter__(self) -> SilentTcp:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._thread.join(2)
        self._sock.close()
