"""Async DNS lookups (MX, SRV, A/AAAA) with plain-words reasons instead of exceptions."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Generic, TypeVar

import dns.asyncresolver
import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver
import dns.reversename

from ..servertext import clean

__all__ = ["DnsAnswer", "MxRecord", "Resolver", "SrvRecord"]

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


Answer = dns.resolver.Answer | _Problem


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
        self._config_error = ""
        self._asked: dict[tuple[str, str, str], asyncio.Task[Answer]] | None = (
            {} if shared else None
        )
        try:
            if server is None:
                self._resolver = dns.asyncresolver.Resolver()
            else:
                self._resolver = dns.asyncresolver.Resolver(configure=False)
                self._resolver.nameservers = [server[0]]
                self._resolver.port = server[1]
        except dns.resolver.NoResolverConfiguration:
            self._resolver = dns.asyncresolver.Resolver(configure=False)
            self._config_error = "this computer has no DNS server configured"
        self._resolver.lifetime = timeout
        self._resolver.timeout = min(timeout, 2.0)  # per try; a lost UDP packet is retried

    async def mx(self, name: str) -> DnsAnswer[MxRecord]:
        answer = await self._query(name, "MX", "mail server (MX) records")
        if isinstance(answer, _Problem):
            return DnsAnswer(reason=answer.reason, failed=answer.failed)
        records = sorted(
            (MxRecord(int(r.preference), _host(r.exchange)) for r in answer),
            key=lambda r: (r.preference, r.host),
        )
        return DnsAnswer(tuple(records))

    async def srv(self, name: str) -> DnsAnswer[SrvRecord]:
        answer = await self._query(name, "SRV", "SRV records")
        if isinstance(answer, _Problem):
            return DnsAnswer(reason=answer.reason, failed=answer.failed)
        records = [
            SrvRecord(int(r.priority), int(r.weight), int(r.port), _host(r.target)) for r in answer
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
        return DnsAnswer(tuple(b"".join(r.strings).decode("utf-8", "replace") for r in answer))

    async def ns(self, name: str) -> DnsAnswer[str]:
        """The name servers of a zone, sorted."""
        answer = await self._query(name, "NS", "name server (NS) records")
        if isinstance(answer, _Problem):
            return DnsAnswer(reason=answer.reason, failed=answer.failed)
        return DnsAnswer(tuple(sorted(_host(r.target) for r in answer)))

    async def ptr(self, address: str) -> DnsAnswer[str]:
        """The names an IP address's reverse (PTR) records give."""
        try:
            name = dns.reversename.from_address(address).to_text(omit_final_dot=True)
        except (dns.exception.SyntaxError, ValueError):
            return DnsAnswer(reason=f"{address!r} is not an IP address", failed=True)
        answer = await self._query(name, "PTR", "reverse (PTR) records")
        if isinstance(answer, _Problem):
            return DnsAnswer(reason=answer.reason, failed=answer.failed)
        return DnsAnswer(tuple(sorted(_host(r.target) for r in answer)))

    async def addresses(self, name: str) -> DnsAnswer[str]:
        """IPv4 then IPv6 addresses; asked together."""
        v4, v6 = await asyncio.gather(
            self._query(name, "A", "address"), self._query(name, "AAAA", "address")
        )
        found: list[str] = []
        problems: list[_Problem] = []
        for answer in (v4, v6):
            if isinstance(answer, _Problem):
                problems.append(answer)
            else:
                found.extend(str(r.address) for r in answer)
        if found:
            return DnsAnswer(tuple(found))
        # Both failed: a definite "does not exist" says more than a timeout on the other type.
        problems.sort(key=lambda p: p.failed)
        return DnsAnswer(reason=problems[0].reason, failed=problems[0].failed)

    async def aclose(self) -> None:
        """Stop the shared questions still unanswered (nobody waits for them any more)."""
        tasks = list((self._asked or {}).values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _query(self, name: str, rdtype: str, what: str) -> Answer:
        if self._asked is None:
            return await self._ask(name, rdtype, what)
        key = (name, rdtype, what)
        task = self._asked.get(key)
        if task is None:
            task = asyncio.ensure_future(self._ask(name, rdtype, what))
            self._asked[key] = task
        # shield: one source giving up must not cancel the question others wait for
        return await asyncio.shield(task)

    async def _ask(self, name: str, rdtype: str, what: str) -> Answer:
        if self._config_error:
            return _Problem(self._config_error, failed=True)
        try:
            qname = dns.name.from_text(name)
        except dns.exception.DNSException as exc:
            return _Problem(f"{name!r} is not a valid DNS name ({exc})", failed=True)
        try:
            return await self._resolver.resolve(
                qname, dns.rdatatype.from_text(rdtype), search=False, lifetime=self._timeout
            )
        except dns.resolver.NXDOMAIN:
            return _Problem(f"{name} does not exist in DNS")
        except dns.resolver.NoAnswer:
            return _Problem(f"{name} has no {what}")
        except dns.resolver.LifetimeTimeout:
            return _Problem(
                f"the DNS server did not answer about {name} within {self._timeout:g} s",
                failed=True,
            )
        except dns.resolver.NoNameservers:
            return _Problem(f"the DNS server refused or failed to answer about {name}", failed=True)
        except dns.exception.DNSException as exc:
            return _Problem(f"DNS lookup of {name} failed: {exc}", failed=True)
        except OSError as exc:
            return _Problem(f"could not reach the DNS server: {exc.strerror or exc}", failed=True)


def _host(name: dns.name.Name) -> str:
    # A name in an answer is whatever the DNS server sent (dnspython escapes only bytes it
    # cannot print, so "<h1>" or U+202E in an IDN label survive): it passes the boundary.
    return clean(name.to_text(omit_final_dot=True).lower()) if name != dns.name.root else ""
