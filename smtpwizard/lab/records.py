"""What a lab server saw: AUTH attempts, messages, connections.

Written on the lab loop, read from any thread.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Bounded so a long-running demo server cannot grow without limit.
MAX_KEPT_MESSAGES = 500
MAX_KEPT_AUTH_ATTEMPTS = 1000


@dataclass(frozen=True, slots=True)
class AuthAttempt:
    """One AUTH command the server received, whatever it answered."""

    mechanism: str  # upper case as sent ("PLAIN", "LOGIN", "XOAUTH2", ...); "" if none given
    username: str | None  # None when the client never got as far as sending one
    encrypted: bool  # True when the connection was TLS-protected at that moment


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    mail_from: str
    rcpt_tos: list[str] = field(default_factory=list)
    data: bytes = b""


class EndpointState:
    """Thread-safe record of one endpoint, plus the loop-side bookkeeping needed to stop it."""

    def __init__(self, on_message: Callable[[ReceivedMessage], None] | None = None) -> None:
        self._cond = threading.Condition()
        self._auth: list[AuthAttempt] = []
        self._messages: list[ReceivedMessage] = []
        self._connections = 0
        self._active = 0
        self.on_message = on_message
        # Touched only from the lab loop's thread.
        self.tasks: set[asyncio.Task[Any]] = set()
        # Kept until the transport itself is gone: a task can end while its socket is
        # still closing (a TLS shutdown waiting for the peer), and stop() must abort those too.
        self.transports: weakref.WeakSet[asyncio.BaseTransport] = weakref.WeakSet()

    # ---- recording (lab loop) ----
    def count_connection(self) -> None:
        with self._cond:
            self._connections += 1
            self._cond.notify_all()

    def record_auth(self, attempt: AuthAttempt) -> None:
        with self._cond:
            self._auth.append(attempt)
            del self._auth[:-MAX_KEPT_AUTH_ATTEMPTS]
            self._cond.notify_all()

    def record_message(self, message: ReceivedMessage) -> None:
        with self._cond:
            self._messages.append(message)
            del self._messages[:-MAX_KEPT_MESSAGES]
            self._cond.notify_all()
        if self.on_message is not None:
            self.on_message(message)

    def track(self, task: asyncio.Task[Any], transport: asyncio.BaseTransport | None) -> None:
        """Follow one connection's task; the connection counts as active until the task ends."""
        self.tasks.add(task)
        if transport is not None:
            self.transports.add(transport)
        with self._cond:
            self._active += 1

        def done(finished: asyncio.Task[Any]) -> None:
            self.tasks.discard(finished)
            if not finished.cancelled():
                finished.exception()  # consumed: a dropped client is not an error worth logging
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

        task.add_done_callback(done)

    # ---- snapshots (any thread) ----
    @property
    def auth_attempts(self) -> list[AuthAttempt]:
        with self._cond:
            return list(self._auth)

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._cond:
            return list(self._messages)

    @property
    def connections(self) -> int:
        with self._cond:
            return self._connections

    @property
    def active_connections(self) -> int:
        with self._cond:
            return self._active

    def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every connection the server accepted has been fully handled and closed."""
        return self.wait_for(lambda: self._active == 0, timeout)

    def wait_connections(self, count: int, timeout: float = 5.0) -> bool:
        return self.wait_for(lambda: self._connections >= count, timeout)

    def wait_messages(self, count: int, timeout: float = 5.0) -> bool:
        return self.wait_for(lambda: len(self._messages) >= count, timeout)

    def wait_auth_attempts(self, count: int, timeout: float = 5.0) -> bool:
        return self.wait_for(lambda: len(self._auth) >= count, timeout)
