"""What one DNS question costs: our stub client against dnspython's resolver, in the same run.

    .venv/bin/python bench/dns_client.py              # 20 questions at once, 30 rounds
    .venv/bin/python bench/dns_client.py --burst 1    # one question at a time

Both ask the same DNS server (bench/netlab.py's, in a separate process, so its CPU is not the
measured process's) the same questions a discovery asks: MX, SRV, A and AAAA, names that exist
and names that do not. Rounds alternate between the two, so machine noise hits both alike.
Printed: CPU time and wall time per question, and the ratios. The baseline is dnspython 2.9.2's
`dns.asyncresolver.Resolver.resolve`, configured as discovery configured it before
(one server, `search=False`, no cache).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from netlab import serve_lab  # bench/ is this script's directory

QUESTIONS = [
    ("guess.test", "MX"),
    ("_submission._tcp.guess.test", "SRV"),
    ("_submissions._tcp.guess.test", "SRV"),
    ("autoconfig.guess.test", "A"),
    ("autoconfig.guess.test", "AAAA"),
    ("localhost", "A"),
    ("localhost", "AAAA"),
    ("smtp.guess.test", "A"),
    ("mail.guess.test", "AAAA"),
    ("guess.test", "A"),
]


async def _dnspython(server: tuple[str, int], batch: list[tuple[str, str]]) -> int:
    import dns.asyncresolver
    import dns.exception

    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers, resolver.port = [server[0]], server[1]
    resolver.lifetime, resolver.timeout = 3.0, 2.0

    async def one(name: str, rdtype: str) -> int:
        try:
            return len(await resolver.resolve(name, rdtype, search=False))
        except dns.exception.DNSException:
            return 0

    return sum(await asyncio.gather(*(one(n, t) for n, t in batch)))


async def _ours(server: tuple[str, int], batch: list[tuple[str, str]]) -> int:
    from smtpwizard.core.net.dnsclient import DnsClient

    client = DnsClient([server])
    try:
        answers = await asyncio.gather(*(client.ask(n, t, 3.0) for n, t in batch))
    finally:
        await client.aclose()
    return sum(len(a.records) for a in answers)


async def measure(server: tuple[str, int], burst: int, rounds: int) -> dict[str, list[float]]:
    batch = [QUESTIONS[i % len(QUESTIONS)] for i in range(burst)]
    # Warm-up, and the proof that both read the same records.
    found = {await _dnspython(server, batch), await _ours(server, batch)}
    if len(found) != 1:
        raise SystemExit(f"the two clients read different answers: {found}")
    samples: dict[str, list[float]] = {"dnspython cpu": [], "ours cpu": [], "dnspython wall": []}
    samples["ours wall"] = []
    for _ in range(rounds):
        for name, ask in (("dnspython", _dnspython), ("ours", _ours)):
            cpu, wall = time.process_time(), time.perf_counter()
            await ask(server, batch)
            samples[f"{name} cpu"].append((time.process_time() - cpu) / burst)
            samples[f"{name} wall"].append((time.perf_counter() - wall) / burst)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--burst", type=int, default=20, help="questions asked at once")
    parser.add_argument("--rounds", type=int, default=30, help="rounds of each client")
    args = parser.parse_args()
    if args.burst < 1 or args.rounds < 1:
        parser.error("--burst and --rounds must be positive")
    ctx = multiprocessing.get_context("spawn")
    rtt = ctx.Value("d", 0.0)
    here, there = ctx.Pipe()
    lab = ctx.Process(target=serve_lab, args=(there, rtt, {}, "guess.test"), daemon=True)
    lab.start()
    try:
        if not here.poll(60):
            raise SystemExit("the lab did not start within 60 s")
        info: dict[str, Any] = here.recv()
        samples = asyncio.run(measure(tuple(info["dns"]), args.burst, args.rounds))
    finally:
        here.send("stop")
        lab.join(10)
    median = {key: statistics.median(values) * 1e6 for key, values in samples.items()}
    print(f"{args.burst} questions at once, {args.rounds} rounds each, medians per question:")
    for kind in ("cpu", "wall"):
        ours, base = median[f"ours {kind}"], median[f"dnspython {kind}"]
        print(
            f"  {kind:4}  dnspython {base:7.0f} us   ours {ours:7.0f} us   ratio {ours / base:.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
