"""How fast does smtpwizard find a working outgoing server, in every port layout?

    .venv/bin/python bench/probe.py                      # 0, 30 and 80 ms round trips
    .venv/bin/python bench/probe.py --rtt 0,30 --runs 7 --layouts 465,2525

In one run, against a lab (real SMTP and DNS servers on loopback in a separate process, with
simulated latency and firewalled ports: see bench/netlab.py), for each layout and round trip:

- ours: `find_server("anna@guess.test")`, i.e. discovery plus probing as `smtpwizard discover`
  does it, with production timeouts, timed from the call to its return (its resolver, HTTP
  client and tasks are made inside the timing). guess.test has only an MX record, so every
  other source must fail before the guessed MX host may be recommended, and the probe must
  search the ports. The probe starts on the guessed host while those sources still run, and
  uses the guess source's own lookup of it (both ask the lab's DNS server, as with
  `smtpwizard discover --dns-server`);
- lean: a lean aiosmtplib check of the port that works, written here (one DNS query, connect,
  TLS, greeting, EHLO, STARTTLS, EHLO, QUIT), i.e. the time it takes when you know the answer;
  goal: ours at most 1.3x lean;
- Thunderbird-style: GuessConfig.sys.mjs's priority wait with its timeouts. Every try starts
  100 ms after the previous one, each has 10 s (plus a 2 s hard abort), and the answer is the
  first success whose better-ranked tries have all finished. Run in our ranking order and, for
  the standard ports, in Thunderbird's own (sortTriesByPreference: SSL 465, STARTTLS 587,
  STARTTLS 25, plain 587, plain 25). Each try is the lean check above (a real STARTTLS upgrade
  where Thunderbird only reads the EHLO text: a little more work for the baseline).
  Goal: never slower than it, and at least 10x faster wherever it waits for a timeout.
  Where it does not wait for a timeout, it is timed in the same rounds as ours, alternating.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import socket
import ssl
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from netlab import SERVER, serve_lab  # bench/ is this script's directory

EMAIL = "anna@guess.test"
STD = ((587, "starttls"), (465, "tls"), (2525, "starttls"), (25, "starttls"))


@dataclass(frozen=True)
class Layout:
    key: str
    title: str
    ports: tuple[tuple[str, str, str], ...]  # (label, security to try, port kind), ranked

    @property
    def working(self) -> int:
        return next(i for i, (_, _, kind) in enumerate(self.ports) if kind.endswith("_ok"))

    @property
    def standard(self) -> bool:
        return all(label.isdigit() for label, _, _ in self.ports)


def _std(**kinds: str) -> tuple[tuple[str, str, str], ...]:
    return tuple((str(port), sec, kinds[f"p{port}"]) for port, sec in STD)


def _ahead(n: int) -> tuple[tuple[str, str, str], ...]:
    dead = tuple((f"#{i + 1}", "starttls", "filtered") for i in range(n))
    return (*dead, (f"#{n + 1}", "starttls", "starttls_ok"))


LAYOUTS = {
    "587": Layout(
        "587",
        "587 works; 465 and 25 filtered, 2525 closed",
        _std(p587="starttls_ok", p465="filtered", p2525="closed", p25="filtered"),
    ),
    "465": Layout(
        "465",
        "465 works; 587 and 25 filtered, 2525 closed",
        _std(p587="filtered", p465="tls_ok", p2525="closed", p25="filtered"),
    ),
    "2525": Layout(
        "2525",
        "only 2525 works; 587, 465 and 25 filtered",
        _std(p587="filtered", p465="filtered", p2525="starttls_ok", p25="filtered"),
    ),
    "7": Layout("7", "7 filtered ports ranked above the working one", _ahead(7)),
    "15": Layout("15", "15 filtered ports ranked above the working one", _ahead(15)),
}

# Thunderbird's outgoing tries after sortTriesByPreference (GuessConfig.sys.mjs).
TB_ORDER = (
    ("465", "tls"),
    ("587", "starttls"),
    ("25", "starttls"),
    ("587", "none"),
    ("25", "none"),
)
TB_SPACING, TB_TIMEOUT, TB_ABORT = 0.1, 10.0, 2.0


class Bench:
    def __init__(self, lab: dict[str, Any]) -> None:
        from smtpwizard.core.net.resolve import ResolverConfig

        self.ports: dict[str, list[int]] = lab["ports"]
        self.dns: tuple[str, int] = tuple(lab["dns"])  # type: ignore[assignment]
        self.ca_file: str = lab["ca_file"]
        self.resolver = ResolverConfig(dns_server=self.dns)
        # What a lean script does: the system CA bundle plus the lab's CA, one context.
        self.context = ssl.create_default_context()
        self.context.load_verify_locations(self.ca_file)
        self.split: tuple[float, float] = (0.0, 0.0)
        from smtpwizard.core.discovery import DiscoveryOptions

        self.discovery = DiscoveryOptions(
            dns_server=self.dns, ispdb_url="https://ispdb.bench.test/v1.1/", ca_file=self.ca_file
        )

    def port(self, layout: Layout, label: str) -> int:
        index = next(i for i, (name, _, _) in enumerate(layout.ports) if name == label)
        return self.ports[layout.key][index]

    async def lean(
        self,
        port: int,
        security: str,
        timeout: float = 10.0,
        stamps: dict[str, float] | None = None,
    ) -> bool:
        """A lean aiosmtplib check: what a short script written for this one job would do.
        `stamps`, when given, gets the time since the start after each phase
        (bench/search_timeline.py)."""
        import aiosmtplib
        import dns.asyncresolver

        began = time.perf_counter()

        def stamp(phase: str) -> None:
            if stamps is not None:
                stamps[phase] = time.perf_counter() - began

        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers, resolver.port = [self.dns[0]], self.dns[1]
        address = (await resolver.resolve(SERVER, "A", lifetime=timeout))[0].to_text()
        stamp("resolve")
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setblocking(False)
        try:
            async with asyncio.timeout(timeout):
                await loop.sock_connect(sock, (address, port))
        except (OSError, TimeoutError):
            sock.close()
            return False
        except BaseException:
            sock.close()
            raise
        stamp("connect")
        smtp = aiosmtplib.SMTP(
            hostname=SERVER,
            sock=sock,
            use_tls=security == "tls",
            start_tls=security == "starttls",
            tls_context=self.context,
            timeout=timeout,
        )
        try:
            await smtp.connect()
            stamp("greeting (+ ehlo, starttls)")
            await smtp.ehlo()
            stamp("ehlo")
            await smtp.quit()
            stamp("quit")
            return True
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            return False
        finally:
            # The transport owns the socket now: closing it here too would free its descriptor
            # while the TLS shutdown still runs, and the late cleanup would then unregister
            # whatever socket reused that number (a DNS query's, which then never hears back).
            smtp.close()

    def probe_options(self, layout: Layout) -> Any:
        """The probe's options for this layout: its ports in ranking order, production timeouts."""
        from smtpwizard.core.probe import ProbeOptions
        from smtpwizard.core.settings import Security

        ports = tuple(
            (port, Security(sec))
            for port, (_, sec, _) in zip(self.ports[layout.key], layout.ports, strict=True)
        )
        return ProbeOptions(ports=ports, ca_file=self.ca_file, resolver=self.resolver)

    async def ours(self, layout: Layout) -> float:
        from smtpwizard.core.probe import find_server

        probe = self.probe_options(layout)
        began = time.perf_counter()
        search = await find_server(EMAIL, discovery=self.discovery, probe=probe)
        took = time.perf_counter() - began
        assert search.probe is not None
        self.split = (search.discovery.elapsed, search.probe.elapsed)
        found = search.recommended
        want = self.ports[layout.key][layout.working]
        if found is None or found.port != want:
            got = found.port if found else "nothing"
            raise SystemExit(f"layout {layout.key}: we recommended {got}, not {want}")
        return took

    async def thunderbird(self, tries: list[tuple[int, str]]) -> float | None:
        """GuessConfig's HostDetector: every try runs, results are taken in priority order.

        Thunderbird guesses only once its lookups found nothing; our discovery stands in for
        them (the same sources and more), so both sides pay the same discovery.
        """
        from smtpwizard.core.discovery import discover

        status: list[bool | None] = [None] * len(tries)
        changed = asyncio.Event()

        async def attempt(index: int) -> None:
            await asyncio.sleep(TB_SPACING * index)
            port, security = tries[index]
            try:
                async with asyncio.timeout(TB_TIMEOUT + TB_ABORT):
                    status[index] = await self.lean(port, security, TB_TIMEOUT)
            except TimeoutError:
                status[index] = False
            changed.set()

        def verdict() -> bool | None:
            for ok in status:
                if ok is None:
                    return None  # a better-ranked try is still running: wait for it
                if ok:
                    return True
            return False

        began = time.perf_counter()
        found = await discover(EMAIL, options=self.discovery)
        assert found.candidates, "the lab's MX host should be guessed"
        tasks = [asyncio.create_task(attempt(i)) for i in range(len(tries))]
        try:
            while (works := verdict()) is None:
                changed.clear()
                await changed.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return time.perf_counter() - began if works else None


async def measure(bench: Bench, layout: Layout, runs: int) -> dict[str, Any]:
    label, security, _ = layout.ports[layout.working]
    working = bench.port(layout, label)
    if not await bench.lean(working, security):  # also the warm-up
        raise SystemExit(f"layout {layout.key}: the lean check of the working port failed")
    await bench.ours(layout)
    ports = zip(bench.ports[layout.key], layout.ports, strict=True)
    orders = {"our order": [(port, sec) for port, (_, sec, _) in ports]}
    if layout.standard:
        orders["Thunderbird's order"] = [(bench.port(layout, lb), sec) for lb, sec in TB_ORDER]
    # One Thunderbird-style run of each order first: one that waits a timeout is that figure
    # (seconds, against our milliseconds); one that does not is timed again in every round
    # below, beside ours, so a slow spell of the machine cannot favour either side.
    tb: dict[str, float | None] = {name: await bench.thunderbird(t) for name, t in orders.items()}
    fast = {name: [took] for name, took in tb.items() if took is not None and took < 1.0}
    lean, ours, split = [], [], []
    for _ in range(runs):  # alternating, so machine noise hits both alike
        began = time.perf_counter()
        await bench.lean(working, security)
        lean.append(time.perf_counter() - began)
        ours.append(await bench.ours(layout))
        split.append(bench.split)
        for name, samples in fast.items():
            if (took := await bench.thunderbird(orders[name])) is not None:
                samples.append(took)
    for name, samples in fast.items():
        tb[name] = statistics.median(samples)
    return {
        "lean": statistics.median(lean),
        "ours": statistics.median(ours),
        "discovery": statistics.median(d for d, _ in split),
        "probing": statistics.median(p for _, p in split),
        "tb": tb,
    }


def report(layout: Layout, ms: float, r: dict[str, Any]) -> list[str]:
    net = "loopback" if ms == 0 else f"{ms:g} ms round trip"
    ratio = r["ours"] / r["lean"]
    lines = [
        f"[{layout.title}; {net}]",
        f"  lean aiosmtplib check of the working port   {r['lean'] * 1000:9.1f} ms",
        f"  discover + probe                            {r['ours'] * 1000:9.1f} ms"
        f"  (discovery {r['discovery'] * 1000:.1f}, probing {r['probing'] * 1000:.1f})",
    ]
    verdicts = [f"ratio {ratio:.2f}x (goal <= 1.3) {'met' if ratio <= 1.3 else 'MISSED'}"]
    for name, took in r["tb"].items():
        if took is None:
            lines.append(f"  Thunderbird-style, {name:20} finds nothing (it never tries 2525)")
            continue
        lines.append(f"  Thunderbird-style, {name:20} {took * 1000:9.1f} ms")
        speedup = took / r["ours"]
        goal = 10.0 if took >= 1.0 else 1.0  # it waited for a timeout: at least 10x faster
        verdicts.append(
            f"{speedup:.1f}x faster than {name} (goal >= {goal:g}) "
            + ("met" if speedup >= goal else "MISSED")
        )
    lines += [f"  {v}" for v in verdicts]
    return lines


@contextlib.contextmanager
def lab_for(layouts: list[Layout]) -> Iterator[tuple[Bench, Any]]:
    """The lab of these layouts, in a process of its own, and a Bench on it; the second value's
    .value is the lab's round trip in seconds (0 at first)."""
    ctx = multiprocessing.get_context("spawn")
    rtt = ctx.Value("d", 0.0)
    here, there = ctx.Pipe()
    kinds = {layout.key: [kind for _, _, kind in layout.ports] for layout in layouts}
    lab = ctx.Process(target=serve_lab, args=(there, rtt, kinds, "guess.test"), daemon=True)
    lab.start()
    try:
        if not here.poll(60):
            raise SystemExit("the lab did not start within 60 s")
        yield Bench(here.recv()), rtt
    finally:
        here.send("stop")
        lab.join(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each fast case")
    parser.add_argument("--rtt", default="0,30,80", help="round trips in ms, comma-separated")
    parser.add_argument("--layouts", default=",".join(LAYOUTS), help="which layouts")
    args = parser.parse_args()
    try:
        rtts = [float(x) for x in args.rtt.split(",") if x.strip()]
        layouts = [LAYOUTS[k.strip()] for k in args.layouts.split(",") if k.strip()]
    except (ValueError, KeyError):
        parser.error(f"--rtt takes milliseconds like 0,30; --layouts some of {','.join(LAYOUTS)}")
    if args.runs < 1 or not rtts or min(rtts) < 0 or not layouts:
        parser.error("--runs, --rtt and --layouts must be positive")

    summary: list[str] = []
    with lab_for(layouts) as (bench, rtt):
        for ms in rtts:
            rtt.value = ms / 1000
            for layout in layouts:
                result = asyncio.run(measure(bench, layout, args.runs))
                print("\n".join(report(layout, ms, result)), flush=True)
                summary.append(summary_row(layout, ms, result))
    print(
        f"\nMedians of {args.runs} runs (Thunderbird-style: one run when it waits a timeout, else "
        "timed in the same rounds)."
    )
    print("| layout | round trip | lean | ours | ratio (<= 1.3) | Thunderbird-style | faster |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(summary))
    return 0


def loopback_main(
    description: str,
    measure: Callable[[Bench, Layout, int], Awaitable[list[str]]],
    *,
    runs: int,
    layouts: str,
) -> int:
    """The command line of the loopback benches (search_cpu.py, search_timeline.py): --runs
    and --layouts, then each layout's lines as `measure` gives them, against one lab."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--runs", type=int, default=runs, help="samples of each")
    parser.add_argument("--layouts", default=layouts, help=f"some of {','.join(LAYOUTS)}")
    args = parser.parse_args()
    try:
        chosen = [LAYOUTS[k.strip()] for k in args.layouts.split(",") if k.strip()]
    except KeyError:
        parser.error(f"--layouts takes some of {','.join(LAYOUTS)}")
    if args.runs < 1 or not chosen:
        parser.error("--runs and --layouts must be positive")
    with lab_for(chosen) as (bench, _):
        for layout in chosen:
            print("\n".join(asyncio.run(measure(bench, layout, args.runs))), flush=True)
    return 0


def summary_row(layout: Layout, ms: float, r: dict[str, Any]) -> str:
    waits = [t for t in r["tb"].values() if t is not None]
    slowest = max(waits)
    return (
        f"| {layout.title} | {ms:g} ms | {r['lean'] * 1000:.1f} ms | {r['ours'] * 1000:.1f} ms "
        f"| {r['ours'] / r['lean']:.2f}x | {min(waits) * 1000:.0f}-{slowest * 1000:.0f} ms "
        f"| {min(waits) / r['ours']:.1f}-{slowest / r['ours']:.1f}x |"
    )


if __name__ == "__main__":
    sys.exit(main())
