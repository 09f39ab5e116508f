"""How fast does smtpwizard find a working outgoing server? Run: .venv/bin/python bench/probe.py

In one run, against a lab (real SMTP servers and a real DNS server on loopback, in a separate
process so they do not share the measured process's CPU time):

(a) discover + probe for anna@guess.test, whose only clue is its MX host, against ONE direct check
    of the port that works (the time it takes when you already know the answer): goal <= 1.5x;
(b) against a Thunderbird-style guess with the same per-attempt timeout: every (port, security)
    try starts 100 ms after the previous one, but the results are awaited in priority order, so
    a silently dropped port delays the answer by its whole timeout: goal >= 10x faster.

Thunderbird's order (GuessConfig.sys.mjs): getOutgoingTryOrder gives STARTTLS 587, STARTTLS 25,
SSL 465, plain 587, plain 25; sortTriesByPreference then puts encrypted before plain and SSL
before STARTTLS: SSL 465, STARTTLS 587, STARTTLS 25, plain 587, plain 25. A try succeeds when the
conversation works (STARTTLS offered for STARTTLS tries, a good certificate); the answer is the
first success all of whose better-ranked tries have finished.

Host A (the main case): 587 STARTTLS works, 465 and 25 silently drop, 2525 is closed.
Host B (Thunderbird's unsorted order, as often quoted): 587 closed, 465 SSL/TLS works, 25 drops.

Loopback has no latency, so the lab can also add a simulated round trip (--rtt): every DNS
answer comes one round trip late, and a relay in front of each SMTP server delays each direction
by half a round trip, plus the TCP handshake. Closed ports refuse at once either way.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LAB_IP = "127.0.91.2"  # where the lab servers listen
PUBLIC_IP = "127.0.91.3"  # what DNS gives out: the relays (or nothing, for closed ports)
HOSTS = {
    "A": {587: "starttls_ok", 465: "silent", 2525: "closed", 25: "silent"},
    "B": {587: "closed", 465: "tls_ok", 2525: "closed", 25: "silent"},
}
EMAIL = "anna@guess.test"
SERVER = "localhost"  # the lab certificates name localhost; the lab DNS points it at PUBLIC_IP


# -- the lab process ---------------------------------------------------------------------------


class _EveryName(dict):  # type: ignore[type-arg]
    """Zone.delays for the lab DNS server: every answer, NXDOMAIN included, one round trip late."""

    def __init__(self, rtt: Any) -> None:
        super().__init__()
        self._rtt = rtt

    def get(self, key: object, default: object = None) -> float | None:
        return float(self._rtt.value) or None


class _Relays:
    """TCP relays that add network latency; one event loop on its own thread."""

    def __init__(self, rtt: Any) -> None:
        self._rtt = rtt
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, daemon=True).start()

    def add(self, upstream: tuple[str, int]) -> int:
        async def serve() -> int:
            server = await asyncio.start_server(
                lambda r, w: self._relay(upstream, r, w), PUBLIC_IP, 0
            )
            return int(server.sockets[0].getsockname()[1])

        return asyncio.run_coroutine_threadsafe(serve(), self._loop).result(10)

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


def _free_port(ip: str) -> int:
    with socket.socket() as sock:
        sock.bind((ip, 0))
        return int(sock.getsockname()[1])


def serve_lab(conn: Any, rtt: Any) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.discovery.servers import DnsServer, Zone
    from tests.labkit import Lab

    with Lab() as lab:
        relays = _Relays(rtt)
        ports: dict[str, dict[int, int]] = {}
        for name, layout in HOSTS.items():
            ports[name] = {}
            for std, scenario in layout.items():
                if scenario == "closed":
                    ports[name][std] = _free_port(PUBLIC_IP)
                    continue
                endpoint = lab.start(scenario, host=LAB_IP)
                ports[name][std] = relays.add((LAB_IP, endpoint.port))
        zone = Zone(delays=_EveryName(rtt))
        zone.add("guess.test", "MX", f"10 {SERVER}.")
        zone.add(SERVER, "A", PUBLIC_IP)
        with DnsServer(zone) as dns:
            conn.send({"ports": ports, "dns": dns.address, "ca_file": str(lab.ca_file)})
            conn.recv()  # until told to stop


# -- the measured side ---------------------------------------------------------------------------

# Thunderbird's outgoing tries after sortTriesByPreference, with the 100 ms spacing of its probes.
SORTED_ORDER = ((465, "tls"), (587, "starttls"), (25, "starttls"), (587, "none"), (25, "none"))
UNSORTED_ORDER = ((587, "starttls"), (25, "starttls"), (465, "tls"), (587, "none"), (25, "none"))
SPACING = 0.1


class Bench:
    def __init__(self, lab: dict[str, Any], probe_timeout: float) -> None:
        from smtpwizard.core.net.resolve import ResolverConfig

        self.ports: dict[str, dict[int, int]] = lab["ports"]
        self.dns: tuple[str, int] = tuple(lab["dns"])  # type: ignore[assignment]
        self.ca_file: str = lab["ca_file"]
        self.resolver = ResolverConfig(dns_server=self.dns)
        self.probe_timeout = probe_timeout
        self.split: list[tuple[float, float]] = []

    async def direct_check(self, port: int, security: str) -> float:
        from smtpwizard.core.check import CheckOptions, run_check
        from smtpwizard.core.settings import Security, ServerSettings

        began = time.perf_counter()
        result = await run_check(
            ServerSettings(SERVER, port, Security(security)),
            options=CheckOptions(
                timeout=self.probe_timeout, ca_file=self.ca_file, resolver=self.resolver
            ),
        )
        took = time.perf_counter() - began
        if not result.ok:
            raise SystemExit(f"direct check failed: {result.diagnosis.code}")
        return took

    async def discover_and_probe(self, host: str, expect: tuple[int, str]) -> float:
        """Wall time of find_server; also notes how it splits into discovery and probing."""
        from smtpwizard.core.discovery import DiscoveryOptions
        from smtpwizard.core.probe import ProbeOptions, find_server
        from smtpwizard.core.settings import RECOMMENDED_PORTS

        lab_ports = tuple((self.ports[host][std], sec) for std, sec in RECOMMENDED_PORTS)
        began = time.perf_counter()
        search = await find_server(
            EMAIL,
            discovery=DiscoveryOptions(
                dns_server=self.dns,
                ispdb_url="https://ispdb.bench.test/v1.1/",
                ca_file=self.ca_file,
            ),
            probe=ProbeOptions(
                ports=lab_ports,
                probe_timeout=self.probe_timeout,
                ca_file=self.ca_file,
                resolver=self.resolver,
            ),
        )
        took = time.perf_counter() - began
        assert search.probe is not None
        self.split.append((search.discovery.elapsed, search.probe.elapsed))
        found = search.recommended
        got = (found.port, found.security.value) if found else None
        if got != expect:
            raise SystemExit(f"discover+probe on host {host} recommended {got}, not {expect}")
        return took

    async def thunderbird(self, host: str, order: tuple[tuple[int, str], ...]) -> float:
        """Thunderbird's HostDetector: all tries run, results awaited in priority order."""
        from smtpwizard.core.check import CheckOptions, run_check
        from smtpwizard.core.settings import Security, ServerSettings

        status: list[bool | None] = [None] * len(order)
        changed = asyncio.Event()

        async def attempt(index: int) -> None:
            await asyncio.sleep(SPACING * index)
            std, security = order[index]
            settings = ServerSettings(SERVER, self.ports[host][std], Security(security))
            options = CheckOptions(
                timeout=self.probe_timeout, ca_file=self.ca_file, resolver=self.resolver
            )
            try:
                async with asyncio.timeout(self.probe_timeout + 2.0):  # its hard abort
                    status[index] = (await run_check(settings, options=options)).ok
            except TimeoutError:
                status[index] = False
            changed.set()

        def check_finished() -> bool | None:
            for ok in status:  # in priority order
                if ok is None:
                    return None  # a better-ranked try is still running: wait for it
                if ok:
                    return True
            return False

        began = time.perf_counter()
        tasks = [asyncio.create_task(attempt(i)) for i in range(len(order))]
        try:
            while (verdict := check_finished()) is None:
                changed.clear()
                await changed.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if not verdict:
            raise SystemExit(f"the Thunderbird-style guess found nothing on host {host}")
        return time.perf_counter() - began


async def measure(bench: Bench, runs: int) -> dict[str, Any]:
    a587 = bench.ports["A"][587]
    b465 = bench.ports["B"][465]
    # Warm-up: imports, first TLS contexts, first DNS answers.
    await bench.direct_check(a587, "starttls")
    await bench.discover_and_probe("A", (a587, "starttls"))
    direct, ours, ours_b = [], [], []
    split: list[tuple[float, float]] = []
    for _ in range(runs):
        direct.append(await bench.direct_check(a587, "starttls"))
        bench.split.clear()
        ours.append(await bench.discover_and_probe("A", (a587, "starttls")))
        split += bench.split
        ours_b.append(await bench.discover_and_probe("B", (b465, "tls")))
    return {
        "discovery": statistics.median(d for d, _ in split),
        "probe": statistics.median(p for _, p in split),
        "direct": statistics.median(direct),
        "ours": statistics.median(ours),
        "ours_b": statistics.median(ours_b),
        "tb": await bench.thunderbird("A", SORTED_ORDER),
        "tb_b": await bench.thunderbird("B", UNSORTED_ORDER),
    }


def _net(ms: float) -> str:
    return "loopback" if ms == 0 else f"{ms:g} ms round trip"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each fast case")
    parser.add_argument(
        "--rtt", default="0,30", help="simulated round trips in ms, comma-separated"
    )
    parser.add_argument("--probe-timeout", type=float, default=8.0, help="per attempt (s)")
    args = parser.parse_args()
    try:
        rtts = [float(x) for x in args.rtt.split(",") if x.strip()]
    except ValueError:
        parser.error("--rtt takes milliseconds like 0,30")
    if args.runs < 1 or not rtts or min(rtts) < 0 or args.probe_timeout <= 0:
        parser.error("--runs, --rtt and --probe-timeout must be positive")

    ctx = multiprocessing.get_context("spawn")
    rtt = ctx.Value("d", 0.0)
    here, there = ctx.Pipe()
    lab = ctx.Process(target=serve_lab, args=(there, rtt), daemon=True)
    lab.start()
    try:
        if not here.poll(60):
            raise SystemExit("the lab did not start within 60 s")
        bench = Bench(here.recv(), args.probe_timeout)
        results = {}
        for ms in rtts:
            rtt.value = ms / 1000
            results[ms] = asyncio.run(measure(bench, args.runs))
    finally:
        here.send("stop")
        lab.join(10)

    print("Lab: host A = 587 works, 465 and 25 drop silently, 2525 closed; host B = 587 closed,")
    print(f"465 SSL/TLS works, 25 drops. Per-attempt timeout {args.probe_timeout:g} s for everyone")
    print(f"(Thunderbird's own is 10 s). Medians of {args.runs} runs; Thunderbird-style: one run.")
    for ms, r in results.items():
        net = "loopback, no added latency" if ms == 0 else f"simulated {ms:g} ms round trip"
        print(f"\n[{net}]")
        print(f"  direct check of the working port (A 587)     {r['direct'] * 1000:8.1f} ms")
        print(f"  discover + probe, host A                     {r['ours'] * 1000:8.1f} ms")
        print(f"    of which discovery                         {r['discovery'] * 1000:8.1f} ms")
        print(f"    of which probing                           {r['probe'] * 1000:8.1f} ms")
        print(f"  discover + probe, host B                     {r['ours_b'] * 1000:8.1f} ms")
        print(f"  Thunderbird-style wait, host A (465 first)   {r['tb'] * 1000:8.1f} ms")
        print(f"  Thunderbird-style, host B, unsorted order    {r['tb_b'] * 1000:8.1f} ms")
        print(f"  ratio to direct check: {r['ours'] / r['direct']:.2f}x;")
        print(
            f"  speed-up: A {r['tb'] / r['ours']:.1f}x, B (unsorted) {r['tb_b'] / r['ours_b']:.1f}x"
        )
    print()
    for ms, r in results.items():
        ratio = r["ours"] / r["direct"]
        print(f"discover+probe vs direct check: {ratio:.2f}x (goal <= 1.5) [{_net(ms)}]")
    for ms, r in results.items():
        speedup = min(r["tb"] / r["ours"], r["tb_b"] / r["ours_b"])
        print(f"speed-up over priority-ordered wait: {speedup:.1f}x (goal >= 10) [{_net(ms)}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
