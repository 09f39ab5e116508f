"""What every check of one report shares: the domain, the server, the provider, the deadline."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..discovery.dns import DnsAnswer, Resolver
from ..discovery.providers import Provider
from ..servertext import printable
from .fixes import SPREAD, where_to_paste

__all__ = ["MAX_SHOWN", "Context", "lookup_problem", "shown"]

MAX_SHOWN = 2000  # characters of one record we show; the rest is cut with a note


@dataclass(frozen=True, slots=True)
class Context:
    domain: str
    smtp_host: str | None
    addresses: tuple[str, ...]
    provider: Provider | None  # who runs the domain's mail (or the SMTP server)
    provider_sends: bool  # mail leaves through the provider's servers (its SPF include applies)
    dns_host: str | None  # who runs the domain's DNS, when the NS records say
    resolver: Resolver
    dns_server: tuple[str, int] | None
    dns_timeout: float
    deadline: float  # time.monotonic()

    @property
    def where(self) -> str:
        return where_to_paste(self.domain, self.dns_host)

    @property
    def spread(self) -> str:
        return SPREAD

    def left(self) -> float:
        return self.deadline - time.monotonic()


def shown(records: tuple[str, ...] | list[str]) -> str | None:
    """Records as we show them: through the servertext boundary, one a line, long ones cut."""
    if not records:
        return None
    lines = []
    for record in records[:20]:
        text = printable(record)
        if len(text) > MAX_SHOWN:
            text = text[:MAX_SHOWN] + f"… ({len(record)} characters in all)"
        lines.append(text)
    if len(records) > 20:
        lines.append(f"… and {len(records) - 20} more records")
    return "\n".join(lines)


def lookup_problem(answer: DnsAnswer[str], what: str) -> str:
    """A failed lookup in plain words."""
    return f"Could not look up the {what}: {printable(answer.reason)}."
