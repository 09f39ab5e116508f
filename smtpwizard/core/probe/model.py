"""What probing produces: per-port reports, the recommendation, and the options that shape it.

A report is a snapshot: the probe replaces it (never mutates it) whenever something changes, so
callers may keep the ones the progress callback hands them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..check import StepLimits
from ..diagnosis import Diagnosis
from ..net.resolve import ResolverConfig
from ..settings import RECOMMENDED_PORTS, Security

if TYPE_CHECKING:
    from ..discovery.model import Candidate


# Failures that are about the host or the network, not about one port.
HOST_LEVEL_CODES = frozenset({"offline", "dns_not_found", "network_unreachable"})


class PortStatus(StrEnum):
    WORKING = "working"  # encrypted (STARTTLS or SSL/TLS), certificate verified, EHLO answered
    PLAINTEXT_ONLY = "plaintext_only"  # greets and answers EHLO but offers no encryption
    FAILED = "failed"  # see the diagnosis
    PENDING = "pending"  # not finished (still running when the answer was decided)


@dataclass(frozen=True, slots=True)
class ProbeOptions:
    """How probing runs. Defaults are production defaults.

    ports: (port, the security to try first) in ranking order, best first. Tests and labs pass
      their own free ports here in the same order as RECOMMENDED_PORTS.
    probe_timeout: deadline of one attempt (one port, one security mode).
    timeout: deadline of the whole probe; whatever runs then is stopped and reported as timed out.
    concurrency: conversations running at once (each holds one or two connections); connects
      that have not completed do not count, so firewalled ports never starve a working one.
    stagger: seconds a target waits after the one ranked before it started, unless that one
      answers sooner. 0 (the default) connects to every port at once: a SYN costs nothing, and
      a port behind a packet-dropping firewall must not delay the ports after it.
    wait_all: return only once every port has finished (else as soon as the answer is certain).
    """

    ports: tuple[tuple[int, Security], ...] = RECOMMENDED_PORTS
    probe_timeout: float = 8.0
    timeout: float = 15.0
    concurrency: int = 6
    stagger: float = 0.0
    wait_all: bool = False
    ca_file: str | None = None
    resolver: ResolverConfig = field(default_factory=ResolverConfig)
    limits: StepLimits = field(default_factory=StepLimits)

    def __post_init__(self) -> None:
        if not self.ports:
            raise ValueError("ProbeOptions.ports is empty")
        numbers = [port for port, _ in self.ports]
        if len(set(numbers)) != len(numbers):
            raise ValueError("ProbeOptions.ports lists a port twice")
        if any(not 1 <= port <= 65535 for port in numbers):
            raise ValueError("ProbeOptions.ports: ports are 1-65535")
        if self.probe_timeout <= 0 or self.timeout <= 0 or self.stagger < 0:
            raise ValueError("ProbeOptions: timeouts must be positive")
        if self.concurrency < 1:
            raise ValueError("ProbeOptions.concurrency must be at least 1")


@dataclass(frozen=True, slots=True)
class ProbeTarget:
    host: str
    port: int
    security: Security  # the mode to try first
    candidate: int | None = None  # index of the discovery candidate it stands for
    # The host's addresses as discovery's DNS server gave them a moment ago, when the probe
    # asks the same server (search.py): the check then does not ask again.
    addresses: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Attempt:
    """One check of one port in one security mode."""

    security: Security
    code: str  # the check engine's diagnosis code ("ok" when it worked)
    duration: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "security": self.security.value,
            "code": self.code,
            "duration": round(self.duration, 4),
        }


_NO_EXTENSIONS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class PortReport:
    host: str
    port: int
    preferred: Security  # the mode tried first
    rank: int  # 0 is best; a port working only in its other mode ranks after every preferred mode
    status: PortStatus = PortStatus.PENDING
    security: Security | None = None  # working: the mode that works; plaintext: none; else last
    probing: bool = False  # pending and an attempt is under way (not just queued)
    diagnosis: Diagnosis | None = None  # why it failed / why plaintext only; None otherwise
    latency: float | None = None  # seconds the working attempt took, connect to goodbye
    address: str | None = None
    banner: str = ""
    extensions: Mapping[str, str] = field(
        default_factory=lambda: _NO_EXTENSIONS
    )  # EHLO keywords (after TLS when encrypted)
    auth_mechanisms: tuple[str, ...] = ()
    tls_version: str | None = None
    tls_cipher: str | None = None
    # The certificate shown: the verified one when working, the rejected one on a cert failure
    # (so the wizard can offer "use this name" or "trust this certificate").
    certificate: Mapping[str, Any] | None = None
    attempts: tuple[Attempt, ...] = ()
    candidate: int | None = None  # index into the candidates given to probe_candidates

    @property
    def working(self) -> bool:
        return self.status is PortStatus.WORKING

    @property
    def finished(self) -> bool:
        return self.status is not PortStatus.PENDING

    def to_dict(self) -> dict[str, Any]:
        d = self.diagnosis
        return {
            "host": self.host,
            "port": self.port,
            "status": self.status.value,
            "security": self.security.value if self.security else None,
            "preferred_security": self.preferred.value,
            "rank": self.rank,
            "latency_ms": None if self.latency is None else round(self.latency * 1000, 1),
            "diagnosis": d.to_dict() if d else None,
            "address": self.address,
            "banner": self.banner,
            "extensions": dict(self.extensions),
            "auth_mechanisms": list(self.auth_mechanisms),
            "tls_version": self.tls_version,
            "tls_cipher": self.tls_cipher,
            "certificate": dict(self.certificate) if self.certificate else None,
            "attempts": [a.to_dict() for a in self.attempts],
        }


@dataclass(frozen=True, slots=True)
class Recommendation:
    host: str
    port: int
    security: Security
    report: PortReport
    candidate: Candidate | None = None  # the discovery candidate it came from, if any

    def to_dict(self) -> dict[str, Any]:
        return {"host": self.host, "port": self.port, "security": self.security.value}


@dataclass(frozen=True, slots=True)
class ProbeResult:
    reports: tuple[PortReport, ...]  # in ranking order of the preferred modes
    recommended: Recommendation | None
    decided: bool  # the recommendation (or that nothing works) is certain
    elapsed: float
    host: str | None = None  # probe_host's host; None for probe_candidates

    @property
    def complete(self) -> bool:
        """Every port finished: nothing was left pending."""
        return all(report.finished for report in self.reports)

    @property
    def pending(self) -> tuple[PortReport, ...]:
        return tuple(r for r in self.reports if not r.finished)

    def report(self, port: int, host: str | None = None) -> PortReport:
        for r in self.reports:
            if r.port == port and (host is None or r.host == host):
                return r
        raise KeyError((host, port))

    def host_problem(self) -> Diagnosis | None:
        """The one reason every port failed for, when it is about the host or the network
        (offline, no such name, no route): said once, not once per port."""
        reasons = {r.diagnosis.code: r.diagnosis for r in self.reports if r.diagnosis}
        if not self.reports or not self.complete or len(reasons) != 1:
            return None
        if any(r.status is not PortStatus.FAILED for r in self.reports):
            return None
        ((code, diagnosis),) = reasons.items()
        return diagnosis if code in HOST_LEVEL_CODES else None

    def to_dict(self) -> dict[str, Any]:
        problem = self.host_problem()
        return {
            "host": self.host,
            "host_problem": problem.to_dict() if problem else None,
            "recommended": self.recommended.to_dict() if self.recommended else None,
            "decided": self.decided,
            "complete": self.complete,
            "elapsed": round(self.elapsed, 3),
            "ports": [r.to_dict() for r in self.reports],
        }
