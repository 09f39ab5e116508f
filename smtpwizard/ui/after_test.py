"""What the Test page offers after a result, and how a retry on other ports is reported."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.diagnosis.catalogue import SECURITY_WORDS
from ..core.settings import Security

if TYPE_CHECKING:
    from ..core.check import CheckResult
    from ..core.probe import ProbeResult

# Failures another port can cure. Not sign-in, sender or message problems: a different port
# reaches the same server, which would refuse the same password in the same way.
PORT_PROBLEMS = frozenset(
    {
        "connection_refused",
        "timeout",
        "network_unreachable",
        "tls_handshake_failed",
        "starttls_unavailable",
        "greeting_rejected",
        "wrong_security",
    }
)
# Failures a different password can cure: the password box and "Test again" appear here.
PASSWORD_PROBLEMS = frozenset({"auth_failed", "app_password_required"})


def ports_words(ports: tuple[tuple[int, Security], ...]) -> str:
    words = [f"port {port} with {SECURITY_WORDS[security.value]}" for port, security in ports]
    return ", ".join(words[:-1]) + (" and " if len(words) > 1 else "") + words[-1]


def passed_steps(result: CheckResult) -> int:
    from ..core.check import StepStatus

    return sum(step.status is StepStatus.OK for step in result.steps)


def got_further(later: CheckResult, earlier: CheckResult) -> bool:
    return later.ok or passed_steps(later) > passed_steps(earlier)


def tried_words(found: ProbeResult, result: CheckResult | None) -> str:
    from .search import port_words

    tried = "; ".join(f"port {r.port}: {port_words(r)}" for r in found.reports)
    if result is not None:
        chosen = result.settings
        return (
            f"We also tried other ports ({tried}). Port {chosen.port} answered, but the test "
            f"there got no further ({result.diagnosis.title.lower()}), so the advice above stands."
        )
    return f"We also tried other ports ({tried}): none of them worked either."
