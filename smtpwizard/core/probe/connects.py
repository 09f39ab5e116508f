"""Telling a firewalled port from a slow one, by the host's own round-trip time.

A firewall that drops packets leaves a connect unanswered until its deadline; a far-away server
answers it after one round trip. Once another port of the same host has connected, that host's
round-trip time is known: a connect still unanswered after FILTERED_AFTER of those round trips
is presumed filtered. The attempt goes on (and is still reported if it works after all), but it
no longer holds back a verified answer on a lower-ranked port. A port that connected and then
stays silent is not this case: the check's own test for implicit TLS on a silent port covers it.

"Unanswered" is the kernel's word, asked when the time is up (net.race.connects_pending),
not the event loop's: the loop hears of a connect's end a pass or more later, and on a busy
machine that lag exceeds a loopback round trip many times. So the wait needs no floor for the
loop's sake, only MIN_WAIT against a round trip measured unluckily short.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Sequence, Set

from ..net.race import connects_pending

FILTERED_AFTER = 4  # round trips of the same host
# A round trip is measured as the fastest connect seen; jitter of a fraction of a millisecond
# (a LAN, a busy loopback) must not make a slightly slower connect look filtered.
MIN_WAIT = 0.001

_NOBODY: frozenset[socket.socket] = frozenset()


class ConnectWatch:
    """Per target: since when its connect is pending; per host: the fastest connect seen."""

    def __init__(self, hosts: Sequence[str] = ()) -> None:
        self._hosts: list[str] = []
        self._since: list[float | None] = []
        self._sockets: list[Set[socket.socket]] = []
        self._presumed: list[bool] = []  # the kernel confirmed it unanswered past its limit
        # When the kernel last said it had ended (or no socket was connecting yet): asked again
        # MIN_WAIT later, in case its end does not reach us (a race between its sockets).
        self._ended_at: list[float | None] = []
        self._rtt: dict[str, float] = {}
        for host in hosts:
            self.add(host)

    def add(self, host: str) -> None:
        """One more target (its index is the next one)."""
        self._hosts.append(host.casefold())
        self._since.append(None)
        self._sockets.append(_NOBODY)
        self._presumed.append(False)
        self._ended_at.append(None)

    def connecting(self, index: int, sockets: Set[socket.socket] = _NOBODY) -> None:
        """Its connect starts; `sockets`: those still connecting, kept up to date by the caller
        (open_tcp's `connecting`). Without them, time alone decides."""
        self._pending(index, time.monotonic(), sockets)

    def ended(self, index: int, connect_time: float | None = None) -> None:
        """Its connect ended; connect_time when it opened (then it is a round trip)."""
        self._pending(index, None, _NOBODY)
        if connect_time is not None:
            host = self._hosts[index]
            self._rtt[host] = min(self._rtt.get(host, connect_time), connect_time)

    def _pending(self, index: int, since: float | None, sockets: Set[socket.socket]) -> None:
        self._since[index] = since
        self._sockets[index] = sockets
        self._presumed[index] = False
        self._ended_at[index] = None

    def round_trip(self, host: str) -> float | None:
        return self._rtt.get(host.casefold())

    def _limit(self, index: int) -> float | None:
        since, rtt = self._since[index], self._rtt.get(self._hosts[index])
        if since is None or rtt is None:
            return None
        return since + max(FILTERED_AFTER * rtt, MIN_WAIT)

    def presumed_filtered(self, index: int, now: float) -> bool:
        limit = self._limit(index)
        if limit is None or now < limit:
            return False
        if self._presumed[index]:
            return True
        sockets = self._sockets[index]
        # A connect that has ended in the kernel is not presumed: its end is on its way. Once
        # confirmed unanswered, it stays presumed (no second question to the kernel).
        self._presumed[index] = sockets is _NOBODY or connects_pending(sockets)
        self._ended_at[index] = None if self._presumed[index] else now
        return self._presumed[index]

    def next_change(self, now: float) -> float | None:
        """When the next pending connect may be presumed filtered (None: none will)."""
        times: list[float] = []
        for index in range(len(self._hosts)):
            limit = self._limit(index)
            ended_at = self._ended_at[index]
            again = None if ended_at is None else ended_at + MIN_WAIT
            times += [t for t in (limit, again) if t is not None and t > now]
        return min(times, default=None)
