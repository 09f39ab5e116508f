"""What the receiving server concluded about a message: its Authentication-Results.

Headers are parsed by authres 1.2.0 (authres/core.py AuthenticationResultsHeader.parse_value,
with the dmarc and arc extensions from authres.all_features()). Only the results stamped by the
receiving server count: RFC 8601 5 tells readers to trust an Authentication-Results header only
from their own authserv-id, and the topmost one is the receiver's (anything below it could have
been written by the sender). Received-SPF (RFC 7208 9.1) is read as well, for receivers that
write that instead.
"""

from __future__ import annotations

import email.parser
import email.policy
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import authres

from ..servertext import printable

__all__ = ["ReceiverResult", "ReceiverVerdict", "read_verdict"]

_METHODS = ("spf", "dkim", "dmarc")
_ARC_INSTANCE = re.compile(r"^\s*i\s*=\s*(\d+)\s*;", re.I)
_MAX_HEADERS = 50  # of each kind; a message with more is hostile


@dataclass(frozen=True, slots=True)
class ReceiverResult:
    method: str  # spf, dkim, dmarc, arc, iprev, ...
    result: str  # pass, fail, softfail, neutral, none, temperror, permerror, policy
    reason: str
    properties: dict[str, str]  # e.g. smtp.mailfrom, header.d, header.from
    authserv_id: str
    source: str  # "Authentication-Results", "ARC-Authentication-Results i=1", "Received-SPF"

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "result": self.result,
            "reason": self.reason,
            "properties": dict(self.properties),
            "authserv_id": self.authserv_id,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class ReceiverVerdict:
    authserv_id: str  # the receiving server that wrote them ("" when none did)
    results: tuple[ReceiverResult, ...]  # the receiver's own, in header order
    arc: tuple[ReceiverResult, ...]  # carried by ARC from servers before it
    problems: tuple[str, ...]  # headers that could not be read, in plain words

    def outcome(self, method: str) -> str | None:
        """The receiver's result for method: "pass" if any of its results passed (a message
        may carry several DKIM signatures), else the first one; None when it did not check."""
        found = [r.result for r in self.results if r.method == method]
        if not found:
            return None
        return "pass" if "pass" in found else found[0]

    def explain(self, method: str) -> str:
        """The receiver's conclusion about method, in plain words."""
        outcome = self.outcome(method)
        who = self.authserv_id or "The receiving server"
        name = method.upper()
        if outcome is None:
            return f"{who} did not check {name} (or did not say so in the message)."
        if outcome == "pass":
            return f"{who} checked {name}: pass."
        if outcome in ("temperror", "permerror"):
            return f"{who} could not check {name}: {outcome} (a DNS problem or a broken record)."
        if outcome == "none":
            return f"{who} found no {name} for this message."
        return f"{who} checked {name}: {outcome}. Mail that fails {name} is likely to be refused."

    def summary(self) -> str:
        parts = [f"{m}={self.outcome(m) or 'not checked'}" for m in _METHODS]
        return ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "authserv_id": self.authserv_id,
            "outcomes": {m: self.outcome(m) for m in _METHODS},
            "summary": self.summary(),
            "results": [r.to_json() for r in self.results],
            "arc": [r.to_json() for r in self.arc],
            "problems": list(self.problems),
        }


def read_verdict(message: bytes) -> ReceiverVerdict:
    """The receiving server's conclusions, from the headers of a message as delivered."""
    headers = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(
        message, headersonly=True
    )
    problems: list[str] = []
    stamped: list[tuple[str, list[ReceiverResult]]] = []
    for value in _values(headers.get_all("Authentication-Results") or []):
        parsed = _parse(value, "Authentication-Results", problems)
        if parsed is not None:
            stamped.append(parsed)
    receiver = stamped[0][0] if stamped else ""
    results = [r for authserv, found in stamped if authserv == receiver for r in found]
    arc: list[ReceiverResult] = []
    for value in _values(headers.get_all("ARC-Authentication-Results") or []):
        instance = _ARC_INSTANCE.match(value)
        if instance is None:
            problems.append("an ARC-Authentication-Results header has no i= instance")
            continue
        source = f"ARC-Authentication-Results i={instance.group(1)}"
        parsed = _parse(value[instance.end() :], source, problems)
        if parsed is not None:
            arc.extend(parsed[1])
    if not any(r.method == "spf" for r in results):
        for value in _values(headers.get_all("Received-SPF") or [])[:1]:
            results.append(_received_spf(value, receiver))
    return ReceiverVerdict(printable(receiver), tuple(results), tuple(arc), tuple(problems))


def _values(raw: Iterable[str]) -> list[str]:
    # Unfold (RFC 5322 2.2.3) as authres expects; cap the count against hostile messages.
    return [re.sub(r"\r?\n[ \t]", " ", str(v)).strip() for v in list(raw)[:_MAX_HEADERS]]


def _parse(value: str, source: str, problems: list[str]) -> tuple[str, list[ReceiverResult]] | None:
    try:
        header = authres.all_features().parse_value(value)
    except authres.AuthResError as exc:
        problems.append(f"a {source} header could not be read ({printable(str(exc))[:200]})")
        return None
    authserv = str(header.authserv_id or "")
    found = []
    for result in header.results:
        method = str(getattr(result, "method", "") or "")
        if not method:  # "none": the server checked nothing
            continue
        found.append(
            ReceiverResult(
                method=printable(method.lower()),
                result=printable(str(result.result or "").lower()),
                reason=printable(str(result.reason or "")),
                properties={
                    printable(f"{p.type}.{p.name}"): printable(str(p.value))
                    for p in result.properties
                },
                authserv_id=printable(authserv),
                source=source,
            )
        )
    return authserv, found


def _received_spf(value: str, receiver: str) -> ReceiverResult:
    """RFC 7208 9.1: result [(comment)] [key=value; ...]."""
    result, _, rest = value.partition(" ")
    rest = re.sub(r"^\s*\([^)]*\)", "", rest)
    pairs = {}
    for part in rest.split(";"):
        key, eq, val = part.strip().partition("=")
        if eq and key:
            pairs[printable(key.strip().lower())] = printable(val.strip())
    return ReceiverResult(
        method="spf",
        result=printable(result.lower().rstrip(";")),
        reason="",
        properties=pairs,
        authserv_id=printable(pairs.get("receiver", receiver)),
        source="Received-SPF",
    )
