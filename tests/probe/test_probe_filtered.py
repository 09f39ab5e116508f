"""Firewalled ports (connects that never complete) ranked above a working one.

A verified answer on a lower-ranked port is not held by a better-ranked port whose connect is
still unanswered after a few of the host's own round trips; a port that connected and stays
silent still is; and a working port always gets a conversation slot, behind filtered or silent ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest

from smtpwizard.core.probe import PortStatus, ProbeOptions, ProbeRun, ProbeTarget, probe_host
from smtpwizard.core.probe.connects import FILTERED_AFTER, MIN_WAIT, ConnectWatch
from smtpwizard.core.settings import Security
from tests.lab.helpers import our_tcp_sockets
from tests.labkit.filtered import FilteredPort, raw_connect

S, T = Security.STARTTLS, Security.TLS


def probe(host, ports, **options):
    values = {"ports": tuple(ports), "ca_file": host.ca_file, "probe_timeout": 8.0}
    values.update(options)
    return asyncio.run(probe_host(host.ip, options=ProbeOptions(**values)))


def test_a_filtered_better_port_does_not_hold_a_verified_answer(make_host):
    host = make_host(p465="tls_ok")
    with FilteredPort(host.ip) as p587, FilteredPort(host.ip) as p25:
        ports = [(p587.port, S), (host.port(465), T), (host.port(2525), S), (p25.port, S)]
        result = probe(host, ports, timeout=15.0)
    assert result.decided
    assert result.recommended is not None and result.recommended.port == host.port(465)
    for port in (p587.port, p25.port):  # still connecting when the answer came: not awaited
        report = result.report(port)
        assert report.status is PortStatus.PENDING and report.probing
    assert result.report(host.port(2525)).diagnosis.code == "connection_refused"
    assert host.all_idle()


def test_a_filtered_port_listed_after_the_answer_does_not_hold_it(make_host):
    """A better source names a server late (search.py retargets): its connect starts after the
    working port was verified, and is presumed filtered on its own host's round trips then."""
    host = make_host(p587="starttls_ok")
    options = ProbeOptions(ports=((host.port(587), S),), ca_file=host.ca_file, timeout=15.0)
    working = ProbeTarget(host.ip, host.port(587), S)

    async def late() -> tuple:
        with FilteredPort(host.ip) as dead:
            async with ProbeRun([working], options) as run:
                first = await run.decided()
                run.retarget([ProbeTarget(host.ip, dead.port, S), working])
                return first, await run.decided(), dead.port

    first, result, dead_port = asyncio.run(late())
    assert first.recommended is not None and first.recommended.port == host.port(587)
    assert result.decided
    assert result.recommended is not None and result.recommended.port == host.port(587)
    # Decided while it still connects, not after its connect gave up 8 s later.
    assert result.report(dead_port).status is PortStatus.PENDING
    assert host.all_idle()


def test_a_connected_but_silent_better_port_is_waited_for(make_host):
    host = make_host(p587="silent", p465="tls_ok")
    ports = [(host.port(587), S), (host.port(465), T)]
    result = probe(host, ports, probe_timeout=1.0, timeout=10.0)
    assert result.recommended is not None and result.recommended.port == host.port(465)
    silent = result.report(host.port(587))
    assert silent.status is PortStatus.FAILED and silent.diagnosis.code == "timeout"
    assert host.all_idle()


def test_a_working_port_gets_a_slot_behind_fifteen_filtered_ones(make_host):
    host = make_host(p587="starttls_ok")
    with contextlib.ExitStack() as stack:
        dead = [stack.enter_context(FilteredPort(host.ip)) for _ in range(15)]
        ports = [(d.port, S) for d in dead] + [(host.port(587), S)]
        result = probe(host, ports, concurrency=2, timeout=15.0)
    assert result.recommended is not None and result.recommended.port == host.port(587)
    assert all(result.report(d.port).status is PortStatus.PENDING for d in dead)
    assert host.all_idle()


def test_a_firewalled_port_costs_no_task_and_leaves_nothing_open(make_host):
    """Its connect is the loop's callbacks (core/net/race.py): only a connection that opened
    gets a task, for its check; closing the run closes every socket it opened."""
    host = make_host(p587="starttls_ok")
    options = host.options(timeout=15.0)

    async def main(dead: list[FilteredPort]) -> tuple:
        targets = [ProbeTarget(host.ip, d.port, S) for d in dead]
        targets.append(ProbeTarget(host.ip, host.port(587), S))
        # Ours, not the lab's (its servers and the filtered ports' fillers are in this
        # process): connected or connecting to a probed port, and new.
        probed = {(t.host, t.port) for t in targets}
        earlier = {s for s in our_tcp_sockets() if s.remote in probed}
        before = asyncio.all_tasks()
        run = ProbeRun(targets, options)
        run.start()
        started = asyncio.all_tasks() - before  # the host is an address: nothing to look up
        result = await run.decided()
        talking = {t.get_name() for t in asyncio.all_tasks() - before if not t.done()}
        await run.aclose()
        left = [s for s in our_tcp_sockets() if s.remote in probed and s not in earlier]
        return started, result, talking, left

    with contextlib.ExitStack() as stack:
        dead = [stack.enter_context(FilteredPort(host.ip)) for _ in range(7)]
        started, result, talking, left = asyncio.run(main(dead))
    assert len(started) <= 1  # at most the working port's check, if it connected at once
    assert {t.get_name() for t in started} <= {f"probe {host.ip}:{host.port(587)}"}
    assert talking <= {f"probe {host.ip}:{host.port(587)}"}
    assert result.recommended is not None and result.recommended.port == host.port(587)
    assert all(result.report(d.port).status is PortStatus.PENDING for d in dead)
    assert left == []
    assert host.all_idle()


def test_a_working_port_gets_a_slot_behind_fifteen_silent_ones(make_host, probe_lab):
    """Connected but never a byte: each gives its conversation slot up, and is waited for."""
    host = make_host(p587="starttls_ok")
    silent = [probe_lab.start("silent", host=host.ip) for _ in range(15)]
    ports = [(ep.port, S) for ep in silent] + [(host.port(587), S)]
    # Two slots, 15 silent ports holding each for its whole 2 s: 16 s, past the 10 s limit.
    result = probe(host, ports, concurrency=2, probe_timeout=2.0, timeout=10.0)
    assert result.recommended is not None and result.recommended.port == host.port(587)
    assert all(result.report(ep.port).diagnosis.code == "timeout" for ep in silent)
    assert all(ep.wait_idle(5.0) for ep in silent) and host.all_idle()


def test_nothing_working_is_never_presumed(make_host):
    host = make_host()
    with FilteredPort(host.ip) as p587:
        ports = [(p587.port, S), (host.port(465), T)]
        result = probe(host, ports, probe_timeout=0.5, timeout=5.0)
    assert result.recommended is None and result.complete
    assert result.report(p587.port).diagnosis.code == "timeout"
    assert result.report(host.port(465)).diagnosis.code == "connection_refused"


def test_connect_watch_uses_the_same_hosts_fastest_connect():
    watch = ConnectWatch(["mx.example", "MX.example", "other.example"])
    watch.connecting(0)
    watch.connecting(2)
    began = time.monotonic()
    later = began + 10.0
    assert not watch.presumed_filtered(0, later)  # no round trip of that host known yet
    assert watch.next_change(began) is None
    watch.connecting(1)
    watch.ended(1, connect_time=0.2)
    assert watch.round_trip("mx.EXAMPLE") == 0.2
    assert not watch.presumed_filtered(0, began)
    assert watch.presumed_filtered(0, began + FILTERED_AFTER * 0.2 + 0.01)
    assert not watch.presumed_filtered(2, later)  # another host: its own round trips count
    change = watch.next_change(began)
    assert change is not None and began < change <= began + FILTERED_AFTER * 0.2 + 0.01
    watch.ended(0)  # failed after 9 s: not a round trip
    assert not watch.presumed_filtered(0, later)  # finished connecting: no longer presumed
    watch.connecting(1)
    watch.ended(1, connect_time=0.0001)
    watch.connecting(0)
    assert not watch.presumed_filtered(0, time.monotonic() + MIN_WAIT / 2)  # the floor


def test_a_connect_the_kernel_has_finished_is_not_presumed_filtered(make_host):
    """The loop may hear of a connect's end long after it happened (a busy machine): past its
    limit the kernel is asked, and only a connect it still has unanswered is presumed."""
    host = make_host(p587="starttls_ok")
    with FilteredPort(host.ip) as dead:
        unanswered = raw_connect(host.ip, dead.port)
        opened = raw_connect(host.ip, host.port(587))
        try:
            watch = ConnectWatch([host.ip, host.ip, host.ip])
            watch.connecting(2)
            watch.ended(2, connect_time=0.0001)  # the host's round trip
            watch.connecting(0, {unanswered})
            watch.connecting(1, {opened})
            later = time.monotonic() + 1.0
            assert watch.presumed_filtered(0, later)
            assert not watch.presumed_filtered(1, later)  # connected: its end is on its way
            assert not watch.presumed_filtered(0, time.monotonic() - 1.0)  # not before its limit
            watch.ended(0)
            assert not watch.presumed_filtered(0, later)
        finally:
            unanswered.close()
            opened.close()
    assert host.all_idle()


def test_a_connect_with_no_socket_yet_is_looked_at_again(make_host):
    """Past its limit with no socket connecting yet (a race's first socket not made): not
    presumed, and the watch asks to be looked at again shortly, when the socket is there."""
    host = make_host()
    with FilteredPort(host.ip) as dead:
        in_flight: set = set()
        watch = ConnectWatch([host.ip, host.ip])
        watch.connecting(1)
        watch.ended(1, connect_time=0.0001)
        watch.connecting(0, in_flight)
        now = time.monotonic() + 1.0
        assert not watch.presumed_filtered(0, now)
        assert watch.next_change(now) == pytest.approx(now + MIN_WAIT)
        unanswered = raw_connect(host.ip, dead.port)
        try:
            in_flight.add(unanswered)
            assert watch.presumed_filtered(0, now + MIN_WAIT)
            assert watch.next_change(now + MIN_WAIT) is None  # decided: nothing more to wait for
        finally:
            unanswered.close()
