"""The callback-driven connection race (net/race.py): what it reports, what it leaves open.

Real sockets on loopback (127.0.12.24-26): a listener, a refused address, and a "filtered" one
whose connects never complete (tests/labkit/filtered.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket

from smtpwizard.core.net import race
from smtpwizard.core.net.race import ConnectRace, RaceOutcome
from tests.labkit.filtered import FilteredPort

FILTERED_IP, OPEN_IP, CLOSED_IP = "127.0.12.24", "127.0.12.25", "127.0.12.26"


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@contextlib.contextmanager
def listener(ip: str, port: int = 0):
    with socket.socket() as sock:
        sock.bind((ip, port))
        sock.listen(8)
        yield sock


def test_a_refusal_is_reported_from_start_itself():
    # The kernel ends a loopback refusal within connect(): no pass of the loop is waited for.
    with listener(OPEN_IP) as server:
        port = server.getsockname()[1]

    async def main() -> list[RaceOutcome]:
        heard: list[RaceOutcome] = []
        ConnectRace((CLOSED_IP,), port, heard.append).start()
        return heard

    [(sock, address, errors)] = asyncio.run(main())
    assert (sock, address) == (None, None)
    assert [type(e) for e in errors] == [ConnectionRefusedError]


def test_the_loser_is_closed_when_the_next_address_wins():
    async def main(port: int) -> tuple[int, int, RaceOutcome, int]:
        before = open_descriptors()
        won: asyncio.Future[RaceOutcome] = asyncio.get_running_loop().create_future()
        race = ConnectRace((FILTERED_IP, OPEN_IP), port, won.set_result, attempt_delay=0.01)
        race.start()
        async with asyncio.timeout(10):
            outcome = await won
        left = open_descriptors()
        assert race.over and not race.connecting
        assert outcome[0] is not None
        outcome[0].close()
        return before, left, outcome, open_descriptors()

    with FilteredPort(FILTERED_IP) as dead, listener(OPEN_IP, dead.port):
        before, left, (_, address, errors), after = asyncio.run(main(dead.port))
    assert address == OPEN_IP and errors == []
    assert left == before + 1  # only the winner is open: the filtered attempt was closed
    assert after == before


def test_cancel_closes_every_socket_and_reports_nothing():
    async def main(port: int) -> tuple[int, int, int, list[RaceOutcome]]:
        before = open_descriptors()
        heard: list[RaceOutcome] = []
        race = ConnectRace((FILTERED_IP,), port, heard.append)
        race.start()
        during = open_descriptors()
        pending = set(race.connecting)
        race.cancel()
        race.cancel()  # twice is harmless
        assert all(sock.fileno() == -1 for sock in pending) and not race.connecting
        # The freed descriptor is reused at once: a writer left on it would fire (or fail).
        with listener(OPEN_IP) as server:
            sock = socket.create_connection(server.getsockname())
            sock.close()
        await asyncio.sleep(0)  # a pass of the loop, in which a leftover writer would run
        return before, during, open_descriptors(), heard

    with FilteredPort(FILTERED_IP) as dead:
        before, during, after, heard = asyncio.run(main(dead.port))
    assert during == before + 1 and after == before
    assert heard == []


def race_outcome(addresses, port, **kwargs) -> RaceOutcome:
    async def main() -> RaceOutcome:
        ended: asyncio.Future[RaceOutcome] = asyncio.get_running_loop().create_future()
        ConnectRace(addresses, port, ended.set_result, **kwargs).start()
        async with asyncio.timeout(10):  # a race that never moved on would hang here
            return await ended

    return asyncio.run(main())


def test_a_connect_that_ends_later_is_taken_from_its_writer_callback(monkeypatch):
    # Over a real network the connect is still in progress when connect() returns; the
    # kernel is made to say so here (on loopback it has usually ended already).
    monkeypatch.setattr(race, "connects_pending", lambda sockets: True)
    with listener(OPEN_IP) as server:
        sock, address, errors = race_outcome((OPEN_IP,), server.getsockname()[1])
    assert sock is not None and address == OPEN_IP and errors == []
    with sock:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def test_an_address_that_fails_at_once_is_passed_over(monkeypatch):
    # No socket for the family (no IPv6 here), or a network the system cannot reach.
    real = socket.socket

    def made(family=socket.AF_INET, *args):
        if family == socket.AF_INET6:
            raise OSError(errno.EAFNOSUPPORT, "Address family not supported by protocol")
        return real(family, *args)

    class Unreachable(real):
        def connect(self, address):
            if address[0] == FILTERED_IP:
                raise OSError(errno.ENETUNREACH, "Network is unreachable")
            return super().connect(address)

    with listener(OPEN_IP) as server:
        monkeypatch.setattr(socket, "socket", made)
        port = server.getsockname()[1]
        sock, address, errors = race_outcome(("::1", OPEN_IP), port, attempt_delay=60)
        assert sock is not None and address == OPEN_IP
        sock.close()
        assert [e.errno for e in errors] == [errno.EAFNOSUPPORT]
        monkeypatch.setattr(socket, "socket", Unreachable)
        sock, address, errors = race_outcome((FILTERED_IP, OPEN_IP), port, attempt_delay=60)
        assert sock is not None and address == OPEN_IP
        sock.close()
        assert [e.errno for e in errors] == [errno.ENETUNREACH]
        sock, address, errors = race_outcome((FILTERED_IP,), port)
    assert (sock, address) == (None, None) and [e.errno for e in errors] == [errno.ENETUNREACH]


def test_a_connection_reset_as_it_opened_counts_as_failed(monkeypatch):
    class ResetAtOnce(socket.socket):
        def setsockopt(self, *args):
            raise ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")

    with listener(OPEN_IP) as server:
        monkeypatch.setattr(socket, "socket", ResetAtOnce)
        sock, address, errors = race_outcome((OPEN_IP,), server.getsockname()[1])
    assert (sock, address) == (None, None)
    assert [type(e) for e in errors] == [ConnectionResetError]
