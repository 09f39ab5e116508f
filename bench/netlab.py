"""A lab network for the benches: real SMTP servers, a real DNS server, latency and dead ports.

Everything here runs in a separate process (serve_lab), so the servers' CPU time is not the
measured process's. Loopback has no latency, and `tc netem` is not available on these machines
(nor could it be used on the shared loopback device), so latency is added in user space:

- every DNS answer, NXDOMAIN included, comes one round trip late, however many questions are
  in flight (an asyncio responder in a process of its own, answering from a cache: the tests'
  threaded DNS server starts a thread per question, and a thread of the lab process waits for
  the GIL behind the SMTP servers; either way questions queued for milliseconds behind each
  other, which no real resolver does and which taxes whoever asks more);
- a relay in front of each working SMTP server delays each direction by half a round trip, and
  the server sees the connection 1.5 round trips after the client connected (SYN, SYN-ACK, ACK).
  The client's own connect() completes at once: no user-space trick can hold back the kernel's
  SYN-ACK on loopback.

Port kinds:
- "filtered": what a firewall that drops packets looks like: connect() hangs, retransmitting its
  SYN, until the client's own deadline (tests/labkit/filtered.py).
- "closed": nothing listens; connect() is refused at once.
- "silent": connects, then never sends a byte (something in between that swallows the traffic).
- any lab scenario name ("starttls_ok", "tls_ok"): a real aiosmtpd server behind a relay.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LAB_IP = "127.0.12.2"  # where the lab servers listen
PUBLIC_IP = "127.0.12.3"  # what the lab DNS gives out: the relays and the dead ports
SERVER = "localhost"  # the lab certificates name localhost; the lab DNS points it at PUBLIC_IP


class Relays:
    """TCP relays that add network latency; one event loop on its own thread."""

    def __init__(self, rtt: Any) -> None:
        self._rtt = rtt
        self._loop = asyncio.new_event_loop()
        self._held: list[Any] = []
        threading.Thread(target=self._loop.run_forever, daemon=True).start()

    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    def relay(self, upstream: tuple[str, int]) -> int:
        async def serve() -> int:
            server = await asyncio.start_server(
                lambda r, w: self._relay(upstream, r, w), PUBLIC_IP, 0
            )
            return int(server.sockets[0].getsockname()[1])

        return int(self._run(serve()))

    def silent(self) -> int:
        async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self._held.append(writer)  # keep it open, say nothing
            await reader.read()

        async def serve() -> int:
            server = await asyncio.start_server(hold, PUBLIC_IP, 0)
            return int(server.sockets[0].getsockname()[1])

        return int(self._run(serve()))

    def filtered(self) -> int:
        from tests.labkit.filtered import FilteredPort

        port = FilteredPort(PUBLIC_IP)
        self._held.append(port)
        return port.port

    async def _relay(
        self, upstream: tuple[str, int], reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        loop = asyncio.get_running_loop()
        rtt = float(self._rtt.value)
        began = loop.time()
        to_server: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        reading = loop.create_task(_read_into(reader, to_server, loop))
        # The server sees the connection after SYN, SYN-ACK, ACK: 1.5 round trips.
        await asyncio.sleep(1.5 * rtt)
        try:
            up_reader, up_writer = await asyncio.open_connection(*upstream)
        except OSError:
            reading.cancel()
            writer.close()
            return
        to_client: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        # Bytes the client sent "during the handshake" really left it after one round trip.
        earliest = began + rtt
        await asyncio.gather(
            reading,
            _write_from(to_server, up_writer, rtt / 2, earliest, loop),
            _read_into(up_reader, to_client, loop),
            _write_from(to_client, writer, rtt / 2, 0.0, loop),
            return_exceptions=True,
        )


async def _read_into(
    reader: asyncio.StreamReader,
    queue: asyncio.Queue[tuple[float, bytes]],
    loop: asyncio.AbstractEventLoop,
) -> None:
    while True:
        try:
            data = await reader.read(65536)
        except OSError:
            data = b""
        queue.put_nowait((loop.time(), data))
        if not data:
            return


async def _write_from(
    queue: asyncio.Queue[tuple[float, bytes]],
    writer: asyncio.StreamWriter,
    delay: float,
    earliest: float,
    loop: asyncio.AbstractEventLoop,
) -> None:
    try:
        while True:
            sent_at, data = await queue.get()
            due = max(sent_at, earliest) + delay
            await asyncio.sleep(max(0.0, due - loop.time()))
            if not data:
                return
            writer.write(data)
            await writer.drain()
    except OSError:
        return
    finally:
        writer.close()


class FastDns:
    """The lab's DNS over UDP, in a process of its own: the zone's answer, one round trip late.

    Its own process, because a thread of the lab process waits for the GIL behind the SMTP
    servers and relays: on loopback its answers then came 2-3 ms late and in bursts (measured
    here: an MX asked first was answered after the twelve questions asked after it), a delay
    no real resolver has, and one that taxes whoever asks more. Each distinct question is
    answered from a cache of its wire answer (only the ID differs), as a caching resolver does.
    Forked, because the lab process is a daemon (multiprocessing gives daemons no children),
    before the lab starts any thread; it ends when the lab closes it or the lab's end of the
    pipe closes (the lab died).
    """

    def __init__(self, zone: Any, rtt: Any) -> None:
        records = dict(zone.records)
        address_r, address_w = os.pipe()
        self._alive_r, self._alive_w = os.pipe()
        self._pid = os.fork()
        if self._pid == 0:  # the DNS process
            code = 1
            try:
                os.close(address_r)
                os.close(self._alive_w)
                _serve_dns(records, rtt, address_w, self._alive_r)
                code = 0
            finally:
                os._exit(code)
        os.close(address_w)
        os.close(self._alive_r)
        with os.fdopen(address_r) as reader:
            host, _, port = reader.readline().strip().rpartition(" ")
        if not port:
            raise RuntimeError("the lab's DNS server did not start")
        self.address = (host, int(port))

    def close(self) -> None:
        os.close(self._alive_w)  # the DNS process sees the end of the pipe and exits
        os.waitpid(self._pid, 0)


class _DnsResponder(asyncio.DatagramProtocol):
    def __init__(self, records: dict[str, dict[str, list[str]]], rtt: Any) -> None:
        from tests.discovery.servers import Zone

        self._zone = Zone(records=records)
        self._rtt = rtt
        self._answers: dict[bytes, bytes] = {}  # the question's wire form without its ID
        self._transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # a datagram transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        key = data[2:]
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = _answer(self._zone, data)[2:]
        reply = data[:2] + answer
        assert self._transport is not None
        delay = float(self._rtt.value)
        if delay > 0:
            asyncio.get_running_loop().call_later(delay, self._transport.sendto, reply, addr)
        else:
            self._transport.sendto(reply, addr)


def _serve_dns(
    records: dict[str, dict[str, list[str]]], rtt: Any, address_w: int, alive_r: int
) -> None:
    async def serve() -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _DnsResponder(records, rtt), local_addr=(LAB_IP, 0)
        )
        host, port = transport.get_extra_info("sockname")[:2]
        os.write(address_w, f"{host} {port}\n".encode())
        os.close(address_w)
        ended = loop.create_future()
        loop.add_reader(alive_r, lambda: ended.done() or ended.set_result(None))
        await ended  # readable only at EOF: the lab closed its end, or died

    asyncio.run(serve())


def _answer(zone: Any, wire: bytes) -> bytes:
    """What tests/discovery/servers.py's DnsServer answers (records, else NXDOMAIN)."""
    import dns.flags
    import dns.message
    import dns.rcode
    import dns.rdataclass
    import dns.rdatatype
    import dns.rrset

    query = dns.message.from_wire(wire)
    question = query.question[0]
    name = question.name.to_text(omit_final_dot=True).lower()
    rdtype = dns.rdatatype.to_text(question.rdtype)
    response = dns.message.make_response(query)
    response.flags |= dns.flags.AA
    entry = zone.records.get(name)
    if entry is None:
        response.set_rcode(dns.rcode.NXDOMAIN)
    elif rdtype in entry:
        rrset = dns.rrset.from_text_list(
            question.name, 60, dns.rdataclass.IN, rdtype, entry[rdtype]
        )
        response.answer.append(rrset)
    return bytes(response.to_wire())


def free_port(ip: str) -> int:
    with socket.socket() as sock:
        sock.bind((ip, 0))
        return int(sock.getsockname()[1])


def serve_lab(conn: Any, rtt: Any, layouts: dict[str, list[str]], mx_domain: str) -> None:
    """The lab process: answers {"ports": {layout: [port, ...]}, "dns": ..., "ca_file": ...}.

    Each layout is a list of port kinds in ranking order; the DNS zone gives `mx_domain` an MX
    record pointing at SERVER, and SERVER the address PUBLIC_IP. Runs until told to stop.
    """
    sys.path.insert(0, str(ROOT))
    from tests.discovery.servers import Zone
    from tests.labkit import Lab

    zone = Zone()
    zone.add(mx_domain, "MX", f"10 {SERVER}.")
    zone.add(SERVER, "A", PUBLIC_IP)
    dns = FastDns(zone, rtt)  # first: it forks, and nothing here has started a thread yet
    with contextlib.ExitStack() as stack:
        stack.callback(dns.close)
        lab = stack.enter_context(Lab())
        relays = Relays(rtt)
        ports: dict[str, list[int]] = {}
        direct: dict[str, int] = {}
        for name, kinds in layouts.items():
            ports[name] = []
            for kind in kinds:
                if kind == "closed":
                    ports[name].append(free_port(PUBLIC_IP))
                elif kind == "filtered":
                    ports[name].append(relays.filtered())
                elif kind == "silent":
                    ports[name].append(relays.silent())
                else:
                    endpoint = lab.start(kind, host=LAB_IP)
                    direct.setdefault(kind, endpoint.port)
                    ports[name].append(relays.relay((LAB_IP, endpoint.port)))
        conn.send(
            {
                "ports": ports,
                "direct": direct,
                "dns": dns.address,
                "ca_file": str(lab.ca_file),
                "username": lab.username,
                "password": lab.password,
            }
        )
        conn.recv()  # until told to stop
