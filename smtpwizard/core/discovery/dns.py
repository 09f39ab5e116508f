"""Async DNS lookups (MX, SRV, A/AAAA, TXT, NS, PTR) with plain-words reasons, not exceptions."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..net.dnsclient import DnsClient, DnsServersFailed, DnsTimeout
from ..net.dnswire import RCODE_NXDOMAIN, WireError
from ..net.dnswire import Answer as WireAnswer
from ..servertext import clean

__all__ = ["DnsAnswer", "MxRecord", "Resolver", "SrvRecord", "system_dns_servers"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class MxRecord:
    preference: int
    host: str  # lower case, no trailing dot; "" for a null MX (RFC 7505)


@dataclass(frozen=True, slots=True)
class SrvRecord:
    priority: int
    weight: int
    port: int
    target: str  # "" when the record's target is "." (RFC 2782: service not offered)


@dataclass(frozen=True, slots=True)
class DnsAnswer(Generic[T]):
    records: tuple[T, ...] = ()
    reason: str = ""  # why records is empty, in plain words
    failed: bool = False  # True: could not ask (timeout, server failure); False: a real answer


@dataclass(frozen=True, slots=True)
class _Problem:
    reason: str
    failed: bool = False


Answer = WireAnswer | _Problem
RESOLV_CONF = "/etc/resolv.conf"


def system_dns_servers() -> list[tuple[str, int]]:
    """The DNS servers this computer uses; [] when none is configured.

    resolv.conf(5) on Linux, the BSDs and macOS (its generated copy): `nameserver` lines, at
    most three are used. Elsewhere (Windows: the registry) dnspython reads the configuration.
    """
    if os.name == "posix":
        try:
            with open(RESOLV_CONF, encoding="utf-8", errors="replace") as conf:
                lines = conf.read(65536).splitlines()
        except OSError:
            return []
        servers = []
        for line in lines:
            words = line.split()
            if len(words) >= 2 and words[0] == "nameserver":
                try:
                    ipaddress.ip_address(words[1].split("%")[0])
                except ValueError:
                    continue
                servers.append((words[1], 53))
        return servers[:3]
    import dns.resolver  # pragma: no cover (not POSIX)

    try:  # pragma: no cover
        configured = dns.resolver.Resolver()
    except dns.resolver.NoResolverConfiguration:  # pragma: no cover
        return []
    return [(str(n), configured.port) for n in configured.nameservers]  # pragma: no cover


class Resolver:
    """One resolver per discovery: a given (IP, port) server or the system's configuration."""

    def __init__(
        self, server: tuple[str, int] | None = None, timeout: float = 3.0, *, shared: bool = False
    ) -> None:
        """shared=True: one question is asked once (a discovery's sources ask some of the same
        names: the domain for autoconfig over https and http and for the guesses, the ISPDB
        host twice); the answer, failure included, is shared. Then `await aclose()` at the end.
        """
        self._timeout = timeout
        self._asked: dict[tuple[str, str], asyncio.Future[WireAnswer]] | None = (
            {} if shared else None
        )
        servers = [server] if server is not None else system_dns_servers()
        self._config_error = "" if servers else "this computer has no DNS server configured"
        # Per try; a lost UDP datagram is asked again within the lifetime.
        self._client = DnsClient(servers, attempt=min(timeout, 2.0))

    async def mx(self, name: str) -> DnsAnswer[MxRecord]:
        return _mx_records(await self._query(name, "MX", _MX))

    def mx_now(self, name: str, then: Callable[[DnsAnswer[MxRecord]], None]) -> None:
        """then(answer) the moment the MX answer is in (DnsClient.call_when_done): the
        question leaves now; mx() for the same name shares it (a shared resolver)."""
        if self._config_error:
            then(DnsAnswer(reason=self._config_error, failed=True))
            return
        question = self._question(name, "MX")
        self._client.call_when_done(
            question, lambda done: then(_mx_records(self._interpret(done, name, _MX)))
        )

    async def srv(self, name: str) -> DnsAnswer[SrvRecord]:
        answer = await self._query(name, "SRV", "SRV records")
        if isinstance(answer, _Problem):
            return DnsAnswer(reason=answer.reason, failed=answer.failed)
        records = [
            SrvRecord(priority, weight, port, _host(target))
            for priority, weight, port, target in answer.records
        ]
        # RFC 2782: lowest priority first; among equals, heavier weight first (deterministic
        # instead of the weighted lottery, so the user always sees the same order).
        records.sort(key=lambda r: (r.priority, -r.weight, r.target, r.port))
        return DnsAnswer(tuple(records))

    async def txt(self, name: str) -> DnsAnswer[str]:
        """TXT records, each one's strings joined (RFC 7208 3.3); bytes outside UTF-8 replaced."""
        answer = await self._query(name, "TXT", "TXT records")
        if isinstance(answer, _Problem):
            return DnsAnswer(reason=answer.reason, failed=answer.failed)
        return DnsAnswer(tuple(b"".join(r).decode("utf-8", "replace") for r in answer.records))

    async def ns(self, name: str) -> DnsAnswer[str]:
        """The name servers of a zone, sorted."""
        answer = await self._query(name, "NS", "name server (NS) records")
        if isinstance(answer, _Problem):
            return DnsAnswer(reason=answer.reason, failed=answer.failed)
        return DnsAnswer(tuple(sorted(_host(r) for r in answer.records)))

    async def ptr(self, address: str) -> DnsAnswer[str]:
        """The names an IP address's reverse (PTR) records give."""
        try:
            name = ipaddress.ip_address(address).reverse_pointer
        except ValueError:
            return DnsAnswer(reason=f"{address!r} is not an IP address", failed=True)
        answer = await self._query(name, "PTR", "reverse (PTR) records")
        if isinstance(answer, _Problem):
            return DnsAnswer(reason=answer.reason, failed=answer.failed)
        return DnsAnswer(tuple(sorted(_host(r) for r in answer.records)))

    async def addresses(self, name: str) -> DnsAnswer[str]:
        """IPv4 then IPv6 addresses; asked together."""
        return await self.addresses_soon(name)

    def addresses_soon(
        self, name: str, then: Callable[[DnsAnswer[str]], None] | None = None
    ) -> asyncio.Future[DnsAnswer[str]]:
        """addresses() without a task: the questions leave now, and the answer is set the
        moment the last of them comes in (a shared resolver's addresses() for the same name
        asks nothing more); `then` hears it then too (DnsClient.call_when_done). Cancelled
        when the resolver closes; cancelling it gives up the questions unless the resolver
        shares them."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[DnsAnswer[str]] = loop.create_future()
        if self._config_error:
            answer.set_result(DnsAnswer(reason=self._config_error, failed=True))
            return answer
        questions = (self._question(name, "A"), self._question(name, "AAAA"))

        def one_in(_: object) -> None:
            if answer.done() or not all(q.done() for q in questions):
                return
            if any(q.cancelled() for q in questions):
                answer.cancel()
                return
            v4, v6 = (self._interpret(q, name, "address") for q in questions)
            answer.set_result(_addresses(v4, v6))
            if then is not None:
                then(answer.result())

        def given_up(_: object) -> None:
            if answer.cancelled():  # nobody else waits for them (not shared)
                for question in questions:
                    question.cancel()

        for question in questions:
            self._client.call_when_done(question, one_in, given_up=True)
        if self._asked is None:  # a shared question is given up only when the resolver closes
            answer.add_done_callback(given_up)
        return answer

    async def open(self) -> None:
        """Have the DNS socket ready before the first question (DnsClient.open)."""
        if not self._config_error:
            await self._client.open()

    async def aclose(self) -> None:
        """Stop the shared questions still unanswered (nobody waits for them any more)."""
        for question in (self._asked or {}).values():
            question.cancel()
        await self._client.aclose()

    async def _query(self, name: str, rdtype: str, what: str) -> Answer:
        if self._config_error:
            return _Problem(self._config_error, failed=True)
        return await self._result(self._question(name, rdtype), name, what)

    def _question(self, name: str, rdtype: str) -> asyncio.Future[WireAnswer]:
        if self._asked is None:
            return self._client.question(name, rdtype, self._timeout)
        key = (name, rdtype)
        question = self._asked.get(key)
        if question is None:
            question = self._client.question(name, rdtype, self._timeout)
            self._asked[key] = question
        return question

    async def _result(self, question: asyncio.Future[WireAnswer], name: str, what: str) -> Answer:
        if not question.done():
            with contextlib.suppress(Exception):  # _interpret says what went wrong
                if self._asked is None:
                    await question  # ours alone: giving up gives the question up
                else:
                    # One source giving up must not cancel the question others wait for: it
                    # waits for a future of its own, told the moment the answer is in (what
                    # shield() does, with one callback of the loop instead of three).
                    waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()

                    def tell(_: object) -> None:
                        if not waiter.done():
                            waiter.set_result(None)

                    self._client.call_when_done(question, tell, given_up=True)
                    await waiter
        return self._interpret(question, name, what)

    def _interpret(self, question: asyncio.Future[WireAnswer], name: str, what: str) -> Answer:
        """A finished question's answer, or in plain words why there is none."""
        try:
            answer = question.result()
        except WireError as exc:
            return _Problem(f"{name!r} is not a valid DNS name ({exc})", failed=True)
        except DnsTimeout:
            return _Problem(
                f"the DNS server did not answer about {name} within {self._timeout:g} s",
                failed=True,
            )
        except DnsServersFailed:
            return _Problem(f"the DNS server refused or failed to answer about {name}", failed=True)
        except OSError as exc:
            return _Problem(f"could not reach the DNS server: {exc.strerror or exc}", failed=True)
        if answer.rcode == RCODE_NXDOMAIN:
            return _Problem(f"{name} does not exist in DNS")
        if not answer.records:
            return _Problem(f"{name} has no {what}")
        return answer


_MX = "mail server (MX) records"


def _mx_records(answer: Answer) -> DnsAnswer[MxRecord]:
    if isinstance(answer, _Problem):
        return DnsAnswer(reason=answer.reason, failed=answer.failed)
    records = sorted(
        (MxRecord(pref, _host(host)) for pref, host in answer.records),
        key=lambda r: (r.preference, r.host),
    )
    return DnsAnswer(tuple(records))


def _addresses(v4: Answer, v6: Answer) -> DnsAnswer[str]:
    found: list[str] = []
    problems: list[_Problem] = []
    for answer in (v4, v6):
        if isinstance(answer, _Problem):
            problems.append(answer)
        else:
            found.extend(answer.records)
    if found:
        return DnsAnswer(tuple(found))
    # Both failed: a definite "does not exist" says more than a timeout on the other type.
    problems.sort(key=lambda p: p.failed)
    return DnsAnswer(reason=problems[0].reason, failed=problems[0].failed)


def _host(name: str) -> str:
    # A name in an answer is whatever the DNS server sent (escaped as dnspython writes names:
    # only bytes it cannot print, so "<h1>" or U+202E in an IDN label survive): it passes the
    # boundary.
    return clean(name.lower())
