"""Telling a firewalled port from a slow one, by the host's own round-trip time.

A firewall that drops packets leaves a connect unanswered until its deadline; a far-away server
answers it after one round trip. Once another port of the same host has connected, that host's
round-trip time is known: a connect still unanswered after FILTERED_AFTER of those round trips
is presumed filtered. The attempt goes on (and is still reported if it works after all), but it
no longer holds back a verified answer on a lower-ranked port. A port that connected and then
stays silent is not this case: the check's own test for implicit TLS on a silent port covers it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

FILTERED_AFTER = 4  # round trips of the same host
# Below this, event-loop scheduling on a busy machine is larger than a loopback round trip.
MIN_WAIT = 0.005


class ConnectWatch:
    """Per target: since when its connect is pending; per host: the fastest connect seen."""

    def __init__(self, hosts: Sequence[str] = ()) -> None:
        self._hosts = [host.casefold() for host in hosts]
        self._since: list[float | None] = [None] * len(self._hosts)
        self._rtt: dict[str, float] = {}

    def add(self, host: str) -> None:
        """One more target (its index is the next one)."""
        self._hosts.append(host.casefold())
        self._since.append(None)

    def connecting(self, index: int) -> None:
        self._since[index] = time.monotonic()

    def ended(self, index: int, connect_time: float | None = None) -> None:
        """Its connect ended; connect_time when it opened (then it is a round trip)."""
        self._since[index] = None
        if connect_time is not None:
            host = self._hosts[index]
            self._rtt[host] = min(self._rtt.get(host, connect_time), connect_time)

    def round_trip(self, host: str) -> float | None:
        return self._rtt.get(host.casefold())

    def _limit(self, index: int) -> float | None:
        since, rtt = self._since[index], self._rtt.get(self._hosts[index])
        if since is None or rtt is None:
            return None
        return since + max(FILTERED_AFTER * rtt, MIN_WAIT)

    def presumed_filtered(self, index: int, now: float) -> bool:
        limit = self._limit(index)
        return limit is not None and now >= limit

    def next_change(self, now: float) -> float | None:
        """When the next pending connect will be presumed filtered (None: none will)."""
        limits = (self._limit(i) for i in range(len(self._hosts)))
        return min((limit for limit in limits if limit is not None and limit > now), default=None)
