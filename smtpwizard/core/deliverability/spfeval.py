"""SPF evaluated by pyspf (spf.py 2.0.14), asking our DNS server within our deadline.

pyspf looks every name up through its module-level DNSLookup(name, qtype, tcpfallback, timeout)
(spf.py 2.0.14, DNSLookup_dnspython): the library's own plug point between its pydns and
dnspython back ends. We plug in once; a context variable set in the worker thread says which
server to ask and by when, so runs with different servers never mix. Without one set, pyspf's
own dnspython lookup runs as before.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver
import spf

__all__ = ["SpfEvaluation", "SyncDns", "evaluate"]

# An address no mail comes from (240.0.0.0/4 is reserved, RFC 1112 4) and no honest record lists:
# evaluating it walks the whole record (every include, up to the final "all") and shows what the
# record says to strangers. Documentation ranges (RFC 5737) are no good: examples list them.
STRANGER = "240.0.0.1"


@dataclass
class SyncDns:
    """Blocking lookups for pyspf against one server, all of them before one deadline."""

    server: tuple[str, int] | None
    deadline: float  # time.monotonic()
    per_query: float
    asked: list[tuple[str, str]] = field(default_factory=list)
    timed_out: bool = False

    def __post_init__(self) -> None:
        if self.server is None:
            self._resolver = dns.resolver.Resolver()
        else:
            self._resolver = dns.resolver.Resolver(configure=False)
            self._resolver.nameservers = [self.server[0]]
            self._resolver.port = self.server[1]

    def lookup(self, name: str, qtype: str) -> list[tuple[tuple[str, str], Any]]:
        self.asked.append((name.lower(), qtype))
        left = self.deadline - time.monotonic()
        if left <= 0:
            self.timed_out = True
            raise spf.TempError("DNS: no time left for this check")
        lifetime = min(left, self.per_query)
        try:
            answer = self._resolver.resolve(
                name, qtype, search=False, lifetime=lifetime, raise_on_no_answer=False
            )
        except dns.resolver.NXDOMAIN:
            return []
        except dns.resolver.LifetimeTimeout as exc:
            self.timed_out = True
            raise spf.TempError(f"DNS: no answer about {name} within {lifetime:.1f} s") from exc
        except (dns.exception.DNSException, OSError) as exc:
            raise spf.TempError(f"DNS: {exc}") from exc
        found: list[tuple[tuple[str, str], Any]] = []
        for rdata in answer:
            key = (name, qtype)
            if qtype in ("A", "AAAA"):
                found.append((key, rdata.address))
            elif qtype == "MX":
                found.append((key, (int(rdata.preference), _text(rdata.exchange))))
            elif qtype == "PTR":
                found.append((key, _text(rdata.target)))
            elif qtype in ("TXT", "SPF"):
                found.append((key, rdata.strings))
        return found


def _text(name: dns.name.Name) -> str:
    return name.to_text(omit_final_dot=True)


_ACTIVE: contextvars.ContextVar[SyncDns | None] = contextvars.ContextVar(
    "smtpwizard_spf_dns", default=None
)
_LIBRARY_LOOKUP: Callable[..., Any] = spf.DNSLookup


def _lookup(
    name: str, qtype: str, tcpfallback: bool = True, timeout: float = 30
) -> list[tuple[tuple[str, str], Any]]:
    active = _ACTIVE.get()
    if active is None:  # someone else using pyspf in this process
        result: list[tuple[tuple[str, str], Any]] = _LIBRARY_LOOKUP(
            name, qtype, tcpfallback, timeout
        )
        return result
    return active.lookup(name, qtype)


spf.DNSLookup = _lookup


@dataclass(frozen=True, slots=True)
class SpfEvaluation:
    address: str
    result: str  # pass fail softfail neutral none permerror temperror (RFC 7208 2.6)
    explanation: str  # pyspf's words for it
    mechanism: str  # the term of the domain's own record that matched ("" if none)
    lookups: int  # DNS-querying terms counted (RFC 7208 4.6.4)
    distinct_names: int  # different (name, type) pairs actually asked
    timed_out: bool


def evaluate(
    domain: str, address: str, dns_view: SyncDns, *, strict: bool = True, record: str | None = None
) -> SpfEvaluation:
    """What the domain's SPF says about mail from address (blocking; run it in a thread).

    strict=False is pyspf's lax mode: a record over a limit is still walked to the end (up to
    40 lookups) so the real count can be shown; the result is still permerror. record: evaluate
    this text instead of the domain's published record.
    """
    token = _ACTIVE.set(dns_view)
    try:
        return _evaluate(domain, address, dns_view, strict, record)
    finally:
        _ACTIVE.reset(token)


def _evaluate(
    domain: str, address: str, dns_view: SyncDns, strict: bool, record: str | None
) -> SpfEvaluation:
    left = max(0.1, dns_view.deadline - time.monotonic())
    query = spf.query(
        i=address,
        s=f"postmaster@{domain}",
        h=domain,
        strict=strict,
        timeout=dns_view.per_query,
        querytime=left,
    )
    try:
        result, _code, explanation = query.check(spf=record)
    except (AssertionError, RecursionError) as exc:  # pyspf's "should never happen" guards
        result, explanation = "permerror", f"SPF Permanent Error: {exc or 'recursion'}"

    return SpfEvaluation(
        address=address,
        result=str(result),
        explanation=str(explanation),
        mechanism=str(query.mechanism or ""),
        lookups=int(query.lookups),
        distinct_names=len(set(dns_view.asked)),
        timed_out=dns_view.timed_out,
    )
