"""Async DNS lookups against a real DNS server on loopback (UDP, and TCP after truncation)."""

from __future__ import annotations

import asyncio
import socket
import time

from smtpwizard.core.discovery.dns import MxRecord, Resolver, SrvRecord
from tests.lab.helpers import socket_fds

from .conftest import DiscoveryLab


async def test_mx_sorted_by_preference(lab: DiscoveryLab) -> None:
    lab.zone.add("example.test", "MX", "20 mx2.example.test.", "10 MX1.Example.test.")
    answer = await Resolver(lab.dns.address, 1.0).mx("example.test")
    assert answer.records == (MxRecord(10, "mx1.example.test"), MxRecord(20, "mx2.example.test"))
    assert answer.reason == "" and not answer.failed


async def test_srv_priority_then_weight_and_dot_target(lab: DiscoveryLab) -> None:
    lab.zone.add(
        "_submission._tcp.example.test",
        "SRV",
        "10 5 587 b.example.test.",
        "0 1 587 c.example.test.",
        "10 60 2525 a.example.test.",
    )
    lab.zone.add("_submissions._tcp.example.test", "SRV", "0 0 0 .")
    resolver = Resolver(lab.dns.address, 1.0)
    answer = await resolver.srv("_submission._tcp.example.test")
    assert [(r.target, r.port) for r in answer.records] == [
        ("c.example.test", 587),
        ("a.example.test", 2525),  # same priority as b, heavier weight first
        ("b.example.test", 587),
    ]
    none = await resolver.srv("_submissions._tcp.example.test")
    assert none.records == (SrvRecord(0, 0, 0, ""),)


async def test_addresses_ipv4_and_ipv6(lab: DiscoveryLab) -> None:
    lab.zone.add("smtp.example.test", "A", "127.0.0.5")
    lab.zone.add("smtp.example.test", "AAAA", "::1")
    answer = await Resolver(lab.dns.address, 1.0).addresses("smtp.example.test")
    assert answer.records == ("127.0.0.5", "::1")


async def test_addresses_soon_tells_once_and_gives_its_questions_up(lab: DiscoveryLab) -> None:
    """addresses_soon: `then` hears an answer once; given up (cancelled) it hears nothing,
    and its questions are given up with it unless a shared resolver keeps them for others
    (those end when the resolver closes, which cancels what still waits for them)."""
    lab.zone.add("smtp.example.test", "A", "127.0.0.5")
    lab.zone.silent.add("quiet.test")
    heard: list[tuple[str, ...]] = []
    resolver = Resolver(lab.dns.address, 5.0)
    answer = await resolver.addresses_soon("smtp.example.test", lambda a: heard.append(a.records))
    await asyncio.sleep(0)  # a pass: a second report would come now
    assert answer.records == ("127.0.0.5",) and heard == [("127.0.0.5",)]

    before = socket_fds()
    waiting = resolver.addresses_soon("quiet.test", lambda a: heard.append(a.records))
    assert len(socket_fds() - before) == 1  # the DNS socket, made for the questions
    waiting.cancel()
    for _ in range(3):  # the cancel's callbacks, the questions' end, the idle socket's close
        await asyncio.sleep(0)
    assert socket_fds() == before and len(heard) == 1

    shared = Resolver(lab.dns.address, 5.0, shared=True)
    kept = shared.addresses_soon("quiet.test", lambda a: heard.append(a.records))
    again = shared.addresses_soon("quiet.test")
    again.cancel()  # one asker giving up: the questions stay for the other
    await asyncio.sleep(0.05)
    assert not kept.done()
    await shared.aclose()
    assert kept.cancelled() and len(heard) == 1
    assert socket_fds() == before


async def test_one_asker_giving_up_leaves_a_shared_answer_to_the_others(
    lab: DiscoveryLab,
) -> None:
    lab.zone.add("slow.test", "MX", "10 mx.slow.test.")
    lab.zone.delays["slow.test"] = 0.2
    resolver = Resolver(lab.dns.address, 5.0, shared=True)
    leaving = asyncio.ensure_future(resolver.mx("slow.test"))
    staying = asyncio.ensure_future(resolver.mx("slow.test"))
    await asyncio.sleep(0.05)
    leaving.cancel()
    assert (await staying).records == (MxRecord(10, "mx.slow.test"),)
    assert leaving.cancelled()
    assert [q for q in lab.dns.queries if q[1] == "slow.test"] == [("udp", "slow.test", "MX")]
    await resolver.aclose()


async def test_nxdomain_and_no_answer_give_plain_reasons_not_failures(lab: DiscoveryLab) -> None:
    lab.zone.add("example.test", "A", "127.0.0.1")
    resolver = Resolver(lab.dns.address, 1.0)
    missing = await resolver.mx("nowhere.test")
    assert missing.records == () and not missing.failed
    assert missing.reason == "nowhere.test does not exist in DNS"
    empty = await resolver.mx("example.test")
    assert empty.records == () and not empty.failed
    assert empty.reason == "example.test has no mail server (MX) records"


async def test_silent_server_times_out_with_a_reason_within_the_limit(lab: DiscoveryLab) -> None:
    lab.zone.silent.add("quiet.test")
    started = time.monotonic()
    answer = await Resolver(lab.dns.address, 0.5).mx("quiet.test")
    elapsed = time.monotonic() - started
    assert answer.failed
    assert "did not answer about quiet.test within 0.5 s" in answer.reason
    assert elapsed < 1.5


async def test_truncated_udp_answer_is_retried_over_tcp(lab: DiscoveryLab) -> None:
    lab.zone.add("big.test", "MX", "10 mx.big.test.")
    lab.zone.truncate_udp.add("big.test")
    answer = await Resolver(lab.dns.address, 1.0).mx("big.test")
    assert answer.records == (MxRecord(10, "mx.big.test"),)
    assert ("tcp", "big.test", "MX") in lab.dns.queries


async def test_nobody_listening_is_a_failure_with_a_reason() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    answer = await Resolver(("127.0.0.1", port), 0.5).mx("example.test")
    assert answer.failed and answer.records == ()
    assert "example.test" in answer.reason


async def test_the_system_dns_servers_come_from_resolv_conf(tmp_path, monkeypatch) -> None:
    from smtpwizard.core.discovery import dns as discovery_dns

    conf = tmp_path / "resolv.conf"
    conf.write_text(
        "# Generated by NetworkManager\n"
        "search home.example\n"
        "nameserver 127.0.0.53\n"
        "nameserver   fe80::1%eth0  \n"
        "nameserver not-an-address\n"
        "options edns0 trust-ad\n"
        "nameserver 192.0.2.1\n"
        "nameserver 192.0.2.2\n",  # a fourth: resolv.conf(5) uses at most three
        encoding="utf-8",
    )
    monkeypatch.setattr(discovery_dns, "RESOLV_CONF", str(conf))
    assert discovery_dns.system_dns_servers() == [
        ("127.0.0.53", 53),
        ("fe80::1%eth0", 53),
        ("192.0.2.1", 53),
    ]
    conf.write_text("# no name server at all\n", encoding="utf-8")
    assert discovery_dns.system_dns_servers() == []
    monkeypatch.setattr(discovery_dns, "RESOLV_CONF", str(tmp_path / "missing"))
    assert discovery_dns.system_dns_servers() == []
    answer = await Resolver(None, 0.5).mx("example.test")  # nothing configured: said plainly
    assert answer.failed and answer.reason == "this computer has no DNS server configured"
