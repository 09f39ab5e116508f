"""How many conversations a probe runs at once, and why a silent one gives its place up.

Each slot holds one conversation (TLS buffers, a handshake's CPU). A connect that has not
completed never takes one (see ports.py), and a conversation that connected but has heard
nothing, no TLS handshake answer and no greeting, after STALLED_AFTER of the host's round trips
(at least MIN_STALL) gives its slot to the next port waiting: it goes on waiting for its
answer, but however many silent ports rank above a working one, the working one gets its turn.
"""

from __future__ import annotations

import asyncio
import collections

from ..check import ProgressEvent, StepName, StepStatus

STALLED_AFTER = 4  # round trips of the same host
MIN_STALL = 0.25  # s: also the wait when no round trip of that host is known yet
# The first steps after connecting: nothing comes back from a port that swallows the traffic.
_FIRST_ANSWER = (StepName.TLS, StepName.GREETING)


class ConversationSlots:
    def __init__(self, limit: int) -> None:
        self._free = limit
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()
        self._holding: set[int] = set()
        self._timers: dict[int, asyncio.TimerHandle] = {}

    def busy(self) -> bool:
        return self._free == 0 or bool(self._waiting)

    async def acquire(self, index: int) -> None:
        if not self.busy():
            self._free -= 1
        else:
            turn = asyncio.get_running_loop().create_future()
            self._waiting.append(turn)
            try:
                await turn  # a slot is handed over by release()
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():
                    self._hand_over()  # it was ours already: pass it on
                raise
        self._holding.add(index)

    def release(self, index: int) -> None:
        """Give the slot back (once; later calls for the same conversation do nothing)."""
        self._stop_timer(index)
        if index in self._holding:
            self._holding.discard(index)
            self._hand_over()

    def on_progress(self, index: int, event: ProgressEvent, round_trip: float | None) -> None:
        """Start the stall timer when the first answer is awaited; stop it when it comes."""
        step = event.step
        if step.name not in _FIRST_ANSWER or index not in self._holding:
            return
        self._stop_timer(index)
        if step.status is StepStatus.RUNNING:
            wait = max(STALLED_AFTER * round_trip, MIN_STALL) if round_trip else MIN_STALL
            loop = asyncio.get_running_loop()
            self._timers[index] = loop.call_later(wait, self.release, index)

    def _stop_timer(self, index: int) -> None:
        timer = self._timers.pop(index, None)
        if timer is not None:
            timer.cancel()

    def _hand_over(self) -> None:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self._free += 1
