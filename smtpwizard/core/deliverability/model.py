"""The deliverability report: one Check per DNS fact, each with its fix, and an overall verdict."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..servertext import printable

__all__ = [
    "Check",
    "CheckId",
    "DeliverabilityOptions",
    "DeliverabilityReport",
    "Fix",
    "Status",
    "Verdict",
    "safe_lines",
]


def safe_lines(text: str) -> str:
    """Text that may hold DNS data, through the servertext boundary line by line (the line
    breaks are ours: a policy file shown, several records)."""
    return "\n".join(printable(line) for line in text.split("\n"))


class Status(enum.StrEnum):
    PASS = "pass"  # noqa: S105 (a check status, not a password)
    WARN = "warn"
    FAIL = "fail"
    MISSING = "missing"


class Verdict(enum.StrEnum):
    """The overall answer to "will mail from this domain arrive?"."""

    GOOD = "good"  # everything the big receivers ask for is there
    AT_RISK = "at_risk"  # it will mostly arrive, but something asked for is missing or weak
    BLOCKED = "blocked"  # big receivers refuse or spam-folder mail like this


class CheckId(enum.StrEnum):
    SPF = "spf"
    DKIM = "dkim"
    DMARC = "dmarc"
    PTR = "ptr"
    MX = "mx"
    MTA_STS = "mta_sts"
    TLS_RPT = "tls_rpt"


@dataclass(frozen=True, slots=True)
class Fix:
    """A copy-paste DNS change: the record, its new value, where to paste it, how long it takes."""

    action: str  # "add" | "change" | "remove" | "other"
    summary: str  # plain words
    record_type: str = ""  # TXT, PTR, MX, ... ("" when the fix is not a DNS record)
    name: str = ""  # full DNS name the record goes at
    value: str = ""  # the exact text to paste
    where: str = ""  # where to paste it
    spread: str = ""  # how long until the world sees it

    def __post_init__(self) -> None:
        # Values carry DNS text (a record's terms, a rua address): the boundary holds here,
        # for every face that shows a fix.
        for name in ("summary", "name", "value", "where"):
            object.__setattr__(self, name, safe_lines(getattr(self, name)))

    def to_json(self) -> dict[str, str]:
        return {
            "action": self.action,
            "summary": self.summary,
            "record_type": self.record_type,
            "name": self.name,
            "value": self.value,
            "where": self.where,
            "spread": self.spread,
        }


@dataclass(frozen=True, slots=True)
class Check:
    id: CheckId
    status: Status
    title: str
    explanation: str
    record: str | None = None  # the record(s) seen, made safe to show; None when none was found
    fix: Fix | None = None
    optional: bool = False  # good to have; a missing one does not lower the verdict
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "explanation", safe_lines(self.explanation))
        if self.record is not None:
            object.__setattr__(self, "record", safe_lines(self.record))

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.id.value,
            "status": self.status.value,
            "title": self.title,
            "explanation": self.explanation,
            "fix": self.fix.to_json() if self.fix else None,
            "record": self.record,
            "optional": self.optional,
            "details": dict(self.details),
        }


@dataclass(frozen=True, slots=True)
class DeliverabilityOptions:
    """How the checks run; defaults are production defaults.

    web_ports: (https, http) ports for the MTA-STS policy. FOR TESTS AND LABS ONLY.
    """

    smtp_host: str | None = None  # the SMTP server mail leaves through (PTR, SPF evaluation)
    selectors: Sequence[str] = ()  # DKIM selectors the user named, tried first
    dns_server: tuple[str, int] | None = None
    ca_file: str | None = None
    timeout: float = 20.0  # the whole report
    dns_timeout: float = 4.0  # one DNS question, retries included
    web_ports: tuple[int, int] = (443, 80)


@dataclass(frozen=True, slots=True)
class DeliverabilityReport:
    domain: str
    smtp_host: str | None
    addresses: tuple[str, ...]  # the SMTP server's addresses the checks used
    provider: str | None  # provider name the fixes were written for
    checks: tuple[Check, ...]
    verdict: Verdict
    summary: str

    def check(self, check_id: CheckId) -> Check | None:
        return next((c for c in self.checks if c.id is check_id), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "smtp_host": self.smtp_host,
            "addresses": list(self.addresses),
            "provider": self.provider,
            "checks": [c.to_json() for c in self.checks],
            "verdict": self.verdict.value,
            "summary": self.summary,
        }
