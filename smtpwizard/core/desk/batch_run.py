"""Running `smtpwizard batch`: many checks at once, politely, with one result per account.

Polite to servers: at most `per_server` connections to one server at a time (Postfix's anvil
and Exim's smtp_accept_max_per_host turn more away with 421), and a temporary refusal (421, or
any 4xx reply such as greylisting's 450) gets one retry after a backoff. Discovery runs once per
domain, however many rows share it. The whole batch has a deadline; rows it stops are reported
as such, so the results still have one row per account.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..check import CheckOptions, CheckResult, run_check
from ..discovery import DiscoveryOptions
from ..net.resolve import ResolverConfig
from ..probe import ProbeOptions, ServerSearch, find_server
from ..servertext import printable
from ..settings import Security, ServerSettings
from .batch_input import BatchRow

__all__ = ["BatchOptions", "BatchResult", "run_batch"]

NOT_FOUND = "server_not_found"
DEADLINE = "deadline_reached"
_TEMPORARY_REPLY = re.compile(r"^4\d\d[ -]")
_RETRY_CODES = frozenset({"server_busy"})


@dataclass(frozen=True, slots=True)
class BatchOptions:
    concurrency: int = 10
    per_server: int = 3
    deadline: float = 3600.0  # the whole batch, seconds
    check_timeout: float = 30.0  # one check
    retry_delay: float = 5.0  # before the one retry after a temporary refusal (plus jitter)
    ca_file: str | None = None
    resolver: ResolverConfig = field(default_factory=ResolverConfig)
    discovery: DiscoveryOptions | None = None  # None: built from ca_file and resolver
    probe: ProbeOptions | None = None

    def __post_init__(self) -> None:
        if self.concurrency < 1 or self.per_server < 1:
            raise ValueError("concurrency and per_server must be at least 1")


@dataclass(frozen=True, slots=True)
class BatchResult:
    number: int
    email: str
    host: str | None
    port: int | None
    security: Security | None
    ok: bool
    code: str
    title: str
    fix: str
    seconds: float
    attempts: int = 1

    def record(self) -> dict[str, Any]:
        """The output row; the order of keys is the order of the columns."""
        return {
            "email": self.email,
            "host": self.host or "",
            "port": self.port or "",
            "security": self.security.value if self.security else "",
            "ok": self.ok,
            "code": self.code,
            "title": self.title,
            "fix": self.fix,
            "seconds": round(self.seconds, 3),
        }


def _from_check(row: BatchRow, result: CheckResult, began: float, attempts: int) -> BatchResult:
    d, s = result.diagnosis, result.settings
    return BatchResult(
        row.number,
        row.email,
        s.host,
        s.port,
        s.security,
        d.ok,
        d.code,
        printable(d.title),
        printable(d.fix),
        time.monotonic() - began,
        attempts,
    )


def _temporary(result: CheckResult) -> bool:
    d = result.diagnosis
    return d.code in _RETRY_CODES or bool(_TEMPORARY_REPLY.match(d.technical or ""))


class _Batch:
    def __init__(self, options: BatchOptions, on_result: Callable[[BatchResult], None]) -> None:
        self.options = options
        self.on_result = on_result
        self.slots = asyncio.Semaphore(options.concurrency)
        self.servers: dict[str, asyncio.Semaphore] = {}
        self.domains: dict[str, asyncio.Task[ServerSearch]] = {}
        self.discovery = options.discovery or DiscoveryOptions(
            dns_server=options.resolver.dns_server,
            resolve=options.resolver.overrides,
            ca_file=options.ca_file,
        )
        self.probe = options.probe or ProbeOptions(
            ca_file=options.ca_file, resolver=options.resolver
        )

    def server_slot(self, host: str) -> asyncio.Semaphore:
        return self.servers.setdefault(host.lower(), asyncio.Semaphore(self.options.per_server))

    async def search(self, row: BatchRow) -> ServerSearch:
        task = self.domains.get(row.domain)
        if task is None:  # the first row of a domain asks; the others wait for its answer
            task = asyncio.ensure_future(
                find_server(row.email, discovery=self.discovery, probe=self.probe)
            )
            self.domains[row.domain] = task
        return await asyncio.shield(task)

    async def settings_for(self, row: BatchRow) -> ServerSettings | BatchResult:
        username = (row.username or row.email) if row.password is not None else None
        if row.host is not None and row.port is not None:
            security = row.security or Security.STARTTLS
            return ServerSettings(row.host, row.port, security, username=username)
        began = time.monotonic()
        search = await self.search(row)
        found = search.recommended
        if found is None or (row.host is not None and found.host != row.host):
            where = row.host or row.domain
            return BatchResult(
                row.number,
                row.email,
                row.host,
                None,
                None,
                False,
                NOT_FOUND,
                f"No working outgoing server found for {where}",
                "Add host, port and security columns for this account.",
                time.monotonic() - began,
            )
        return ServerSettings(found.host, found.port, found.security, username=username)

    async def run_row(self, row: BatchRow) -> BatchResult:
        began = time.monotonic()
        settings = await self.settings_for(row)
        if isinstance(settings, BatchResult):
            return settings
        check = CheckOptions(
            timeout=self.options.check_timeout,
            ca_file=self.options.ca_file,
            resolver=self.options.resolver,
        )
        attempts = 1
        async with self.server_slot(settings.host):
            result = await run_check(settings, password=row.password, options=check)
        if _temporary(result):
            # Outside the server's slot: waiting must not hold a connection place.
            await asyncio.sleep(self.options.retry_delay * (1 + random.random()))
            attempts = 2
            async with self.server_slot(settings.host):
                result = await run_check(settings, password=row.password, options=check)
        return _from_check(row, result, began, attempts)

    async def worker(self, rows: Iterator[BatchRow], results: list[BatchResult | None]) -> None:
        # A fixed pool of workers pulling rows: memory stays flat however long the file is.
        for row in rows:
            result = await self.run_row(row)
            results[row.number - 1] = result
            self.on_result(result)


async def run_batch(
    rows: Sequence[BatchRow],
    options: BatchOptions,
    on_result: Callable[[BatchResult], None],
) -> list[BatchResult]:
    """Check every row; on_result is called as each one finishes (in any order).

    rows are numbered 1..n in order (BatchRow.number); a resumed batch passes the rest with
    their own numbers. Returns one result per row, in order. Rows not finished at the deadline
    are stopped and reported with the code deadline_reached. Cancelling (Ctrl-C) cancels every
    check; on_result has then been called for exactly the rows that finished.
    """
    batch = _Batch(options, on_result)
    first = rows[0].number if rows else 1
    results: list[BatchResult | None] = [None] * (first - 1 + len(rows))
    feed = iter(rows)
    workers = [
        asyncio.ensure_future(batch.worker(feed, results))
        for _ in range(min(options.concurrency, len(rows)))
    ]
    try:
        done, _ = await asyncio.wait(workers, timeout=options.deadline)
    finally:
        for task in [*workers, *batch.domains.values()]:
            task.cancel()
        await asyncio.gather(*workers, *batch.domains.values(), return_exceptions=True)
    for task in done:
        if task.exception() is not None:
            raise task.exception()  # type: ignore[misc]  # a bug: let the CLI report it
    out = []
    for row in rows:
        result = results[row.number - 1]
        if result is None:
            result = BatchResult(
                row.number,
                row.email,
                row.host,
                row.port,
                row.security,
                False,
                DEADLINE,
                "Not checked: the batch's time limit was reached",
                "Run again with --resume (and a longer --deadline) to check the rest.",
                0.0,
            )
            on_result(result)
        out.append(result)
    return out
