"""The DNS stub client against a scripted DNS server on loopback that lies, drops and fails.

The server is an asyncio UDP endpoint in the test's own loop; its answers are built with
dnspython. What it does for each question is chosen by the question's name.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import AsyncIterator, Callable

import dns.flags
import dns.message
import dns.rcode
import dns.rrset
import pytest

from smtpwizard.core.net.dnsclient import DnsClient, DnsServersFailed, DnsTimeout
from smtpwizard.core.net.dnswire import RCODE_NXDOMAIN

Reply = Callable[[dns.message.Message, int], list[bytes]]  # (query, how many seen) -> datagrams


def _answer(query: dns.message.Message, address: str = "127.0.0.7") -> bytes:
    response = dns.message.make_response(query)
    name = query.question[0].name
    response.answer.append(dns.rrset.from_text(name, 60, "IN", "A", address))
    return response.to_wire()


class ScriptedDns(asyncio.DatagramProtocol):
    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.seen: list[str] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        query = dns.message.from_wire(data)
        self.seen.append(query.question[0].name.to_text(omit_final_dot=True))
        assert self.transport is not None
        for datagram in self.reply(query, len(self.seen)):
            self.transport.sendto(datagram, addr)


async def _serve(reply: Reply) -> tuple[ScriptedDns, tuple[str, int]]:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: ScriptedDns(reply), local_addr=("127.0.0.1", 0)
    )
    return protocol, transport.get_extra_info("sockname")


@pytest.fixture(params=["add_reader", "datagram transport"], autouse=True)
def socket_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test twice: with the reader the client uses where the loop has add_reader, and
    with the datagram transport it falls back to elsewhere (Windows' proactor loop)."""
    if request.param == "datagram transport":
        from smtpwizard.core.net import dnssockets

        def no_reader(*_: object) -> None:
            raise NotImplementedError

        monkeypatch.setattr(dnssockets.ReaderSocket, "__init__", no_reader)
    return str(request.param)


@pytest.fixture
async def servers() -> AsyncIterator[list[asyncio.DatagramTransport]]:
    made: list[asyncio.DatagramTransport] = []
    yield made
    for transport in made:
        transport.close()


async def _start(servers: list, reply: Reply) -> tuple[ScriptedDns, tuple[str, int]]:
    protocol, address = await _serve(reply)
    assert protocol.transport is not None
    servers.append(protocol.transport)
    return protocol, address


async def test_forged_and_misaddressed_replies_are_ignored_until_the_real_one(servers):
    def reply(query: dns.message.Message, _: int) -> list[bytes]:
        forged = dns.message.from_wire(_answer(query, "6.6.6.6"))
        forged.id ^= 0x5A5A  # another ID
        other = dns.message.make_query("elsewhere.test", "A")
        other.id = query.id  # the right ID, another question
        return [
            forged.to_wire(),
            _answer(other, "6.6.6.7"),
            b"\x00",  # not even a header
            _answer(query),
        ]

    _, address = await _start(servers, reply)
    client = DnsClient([address])
    answer = await client.ask("forged.test", "A", 2.0)
    assert answer.records == ("127.0.0.7",)


async def test_a_lost_datagram_is_asked_again_within_the_lifetime(servers):
    def reply(query: dns.message.Message, seen: int) -> list[bytes]:
        return [] if seen == 1 else [_answer(query)]

    protocol, address = await _start(servers, reply)
    client = DnsClient([address], attempt=0.2)
    answer = await client.ask("lost.test", "A", 3.0)
    assert answer.records == ("127.0.0.7",) and protocol.seen == ["lost.test"] * 2


async def test_a_failing_server_is_left_for_the_next(servers):
    def servfail(query: dns.message.Message, _: int) -> list[bytes]:
        response = dns.message.make_response(query)
        response.set_rcode(dns.rcode.SERVFAIL)
        return [response.to_wire()]

    def nxdomain(query: dns.message.Message, _: int) -> list[bytes]:
        response = dns.message.make_response(query)
        response.set_rcode(dns.rcode.NXDOMAIN)
        return [response.to_wire()]

    failing, first = await _start(servers, servfail)
    _, second = await _start(servers, nxdomain)
    client = DnsClient([first, second])
    answer = await client.ask("gone.test", "MX", 2.0)
    assert answer.rcode == RCODE_NXDOMAIN
    assert failing.seen == ["gone.test"]  # asked once, not again after its SERVFAIL
    with pytest.raises(DnsServersFailed, match="response code 2"):
        await DnsClient([first]).ask("gone.test", "MX", 2.0)


async def test_nobody_listening_fails_at_once_not_at_the_deadline():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        address = sock.getsockname()
    began = time.monotonic()
    with pytest.raises(DnsServersFailed):
        await DnsClient([address], attempt=5.0).ask("example.test", "A", 10.0)
    assert time.monotonic() - began < 5.0  # the ICMP refusal, not a timeout


async def test_a_silent_server_times_out_at_the_lifetime(servers):
    protocol, address = await _start(servers, lambda query, seen: [])
    began = time.monotonic()
    with pytest.raises(DnsTimeout):
        await DnsClient([address], attempt=0.1).ask("quiet.test", "A", 0.5)
    assert 0.45 <= time.monotonic() - began < 2.0
    assert len(protocol.seen) >= 3  # asked again after each lost try


async def test_many_questions_at_once_share_one_socket_and_each_gets_its_answer(servers):
    def reply(query: dns.message.Message, _: int) -> list[bytes]:
        name = query.question[0].name.to_text(omit_final_dot=True)
        return [_answer(query, f"127.0.1.{name.split('.')[0][1:]}")]

    _, address = await _start(servers, reply)
    client = DnsClient([address])
    answers = await asyncio.gather(*(client.ask(f"h{i}.test", "A", 2.0) for i in range(40)))
    assert [a.records for a in answers] == [(f"127.0.1.{i}",) for i in range(40)]


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def test_sockets_close_once_no_question_is_in_flight(servers):
    _, address = await _start(servers, lambda query, seen: [_answer(query)])
    before = _open_fds()
    client = DnsClient([address])
    await asyncio.gather(client.ask("a.test", "A", 2.0), client.ask("b.test", "A", 2.0))
    await asyncio.sleep(0)  # the pass after the last answer, where the idle socket closes
    await asyncio.sleep(0)
    assert _open_fds() == before
    # and a later question opens a new one
    assert (await client.ask("c.test", "A", 2.0)).records == ("127.0.0.7",)


async def test_a_question_given_up_leaves_no_socket_behind(servers):
    _, address = await _start(servers, lambda query, seen: [])
    before = _open_fds()
    client = DnsClient([address])
    task = asyncio.ensure_future(client.ask("never.test", "A", 5.0))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await client.aclose()
    assert _open_fds() == before


async def test_a_listener_hears_a_given_up_question_only_when_it_asked_to(servers):
    """given_up=True: also told when the question is given up (cancelled), a pass later; an
    answered question tells each listener once, however it was registered."""
    _, address = await _start(
        servers, lambda query, seen: [] if b"never" in query.to_wire() else [_answer(query)]
    )
    client = DnsClient([address])
    heard: list[tuple[str, bool]] = []
    never = client.question("never.test", "A", 5.0)
    answered = client.question("yes.test", "A", 5.0)
    for future, name in ((never, "never"), (answered, "yes")):
        client.call_when_done(future, lambda done, n=name: heard.append((n, done.cancelled())))
        client.call_when_done(
            future, lambda done, n=name: heard.append((n + "+", done.cancelled())), given_up=True
        )
    await answered
    assert heard == [("yes", False), ("yes+", False)]
    never.cancel()
    await asyncio.sleep(0)  # the pass in which a cancelled future's callbacks run
    assert heard == [("yes", False), ("yes+", False), ("never+", True)]
    client.call_when_done(never, lambda done: heard.append(("late", done.cancelled())))
    client.call_when_done(
        never, lambda done: heard.append(("late+", done.cancelled())), given_up=True
    )
    assert heard[3:] == [("late+", True)]  # already given up: told at once, if it asked
    await client.aclose()


async def _tcp_beside(port: int, handle: Callable[[bytes], bytes]) -> asyncio.Server:
    """A TCP DNS listener on the UDP server's port (where a client goes for a truncated one)."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        size = int.from_bytes(await reader.readexactly(2), "big")
        writer.write(handle(await reader.readexactly(size)))
        await writer.drain()
        writer.close()

    return await asyncio.start_server(serve, "127.0.0.1", port)


async def _udp_and_tcp(
    servers: list, reply: Reply, handle: Callable[[bytes], bytes]
) -> tuple[tuple[str, int], asyncio.Server]:
    """A UDP server and a TCP listener on one port number: the UDP port is chosen by the
    system, and that number may already be somebody's TCP port; then take another."""
    for _ in range(50):
        protocol, address = await _serve(reply)
        try:
            tcp = await _tcp_beside(address[1], handle)
        except OSError:
            assert protocol.transport is not None
            protocol.transport.close()
            continue
        assert protocol.transport is not None
        servers.append(protocol.transport)
        return address, tcp
    raise AssertionError("no port number free for both UDP and TCP")


def _truncated(query: dns.message.Message, _: int) -> list[bytes]:
    response = dns.message.make_response(query)
    response.flags |= dns.flags.TC
    return [response.to_wire()]


@pytest.mark.parametrize(
    ("over_tcp", "problem"),
    [
        (lambda wire: b"\x00", "1 bytes read on a total of 2"),  # cut inside the length
        (lambda wire: b"\x00\x20" + wire[:5], "bytes read on a total of 32"),  # cut short
        (
            lambda wire: (lambda r: len(r).to_bytes(2, "big") + r)(
                _truncated(dns.message.from_wire(wire), 1)[0]
            ),
            "truncated answer over TCP",
        ),
    ],
    ids=["no-length", "short", "truncated-again"],
)
async def test_a_broken_answer_over_tcp_fails_that_server(servers, over_tcp, problem):
    address, tcp = await _udp_and_tcp(servers, _truncated, over_tcp)
    try:
        with pytest.raises(DnsServersFailed, match=problem):
            await DnsClient([address]).ask("big.test", "TXT", 2.0)
    finally:
        tcp.close()
        await tcp.wait_closed()


async def test_the_loop_decides_how_the_socket_is_read(servers, socket_kind):
    # add_reader where the loop has it (every datagram waiting read in one pass), else
    # asyncio's datagram transport; twenty questions at once get their answers either way.
    _, address = await _start(servers, lambda query, _: [_answer(query)])
    client = DnsClient([address])
    questions = [client.question(f"q{i}.test", "A", 2.0) for i in range(20)]
    made = client.socket_for(0)
    answers = await asyncio.gather(*questions)
    assert all(answer.records == ("127.0.0.7",) for answer in answers)
    expected = "ReaderSocket" if socket_kind == "add_reader" else "EndpointSocket"
    assert type(made.result()).__name__ == expected


async def test_a_listener_hears_the_answer_before_any_waiter_does(servers):
    """call_when_done: the next question on the path to an answer leaves at once, not a pass
    of the loop later; a listener that raises breaks neither the question nor the others."""
    _, address = await _start(servers, lambda query, _: [_answer(query)])
    client = DnsClient([address])
    first = client.question("first.test", "A", 2.0)
    resumed: list[str] = []
    heard: list[tuple[str, bool, list[str]]] = []

    async def waiter() -> None:
        await first
        resumed.append("waiter")

    def broken(_: asyncio.Future) -> None:
        raise RuntimeError("a listener's own bug")

    def listener(done: asyncio.Future) -> None:
        heard.append((done.result().records[0], done.done(), list(resumed)))
        second.append(client.question("second.test", "A", 2.0))

    second: list[asyncio.Future] = []
    waiting = asyncio.ensure_future(waiter())
    await asyncio.sleep(0)  # one pass, not a wait: the waiter now awaits, first in line
    client.call_when_done(first, broken)
    client.call_when_done(first, listener)
    await waiting
    assert heard == [("127.0.0.7", True, [])]  # done, and the waiter had not resumed yet
    assert (await second[0]).records == ("127.0.0.7",)
    late: list[str] = []
    client.call_when_done(first, lambda done: late.append(done.result().records[0]))
    assert late == ["127.0.0.7"]  # already answered: called at once
