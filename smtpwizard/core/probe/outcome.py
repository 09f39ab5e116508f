"""How one check of one port becomes a PortReport: working, plaintext only, failed, or retry."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from ..check import CheckResult, StepName, StepStatus
from ..diagnosis import Diagnosis, DiagnosisContext, make
from ..settings import Security
from .model import Attempt, PortReport, PortStatus

__all__ = ["finished_report", "other_mode"]


def other_mode(result: CheckResult, tried: Security, already: list[Security]) -> Security | None:
    """The mode the check says this port speaks instead, if we have not tried it yet."""
    if result.diagnosis.code != "wrong_security" or not result.diagnosis.suggestion:
        return None
    suggested = result.diagnosis.suggestion.get("security")
    try:
        other = Security(str(suggested))
    except ValueError:
        return None
    if other is tried or other in already or other is Security.NONE:
        return None
    return other


def _plaintext_only(result: CheckResult) -> bool:
    """Greeting and EHLO fine, but no STARTTLS offered (or no encryption asked for)."""
    steps = {step.name: step.status for step in result.steps}
    if result.settings.security is Security.NONE:
        return result.ok
    return (
        result.diagnosis.code == "starttls_unavailable"
        and steps.get(StepName.EHLO) is StepStatus.OK
        and "starttls" not in result.server.extensions
    )


def _receiving_server(result: CheckResult) -> Diagnosis | None:
    """Port 25 encrypted but no AUTH at all: a domain's MX, which receives mail; it is not an
    outgoing server, however well its encryption works."""
    if result.settings.port != 25 or result.server.auth_mechanisms or result.tls is None:
        return None
    return make(
        "not_a_submission_server",
        DiagnosisContext(result.settings),
        step="ehlo_secure",
        technical="port 25 offers no AUTH, not even after encryption",
    )


def finished_report(report: PortReport, result: CheckResult, attempts: list[Attempt]) -> PortReport:
    security = result.settings.security
    diagnosis = result.diagnosis
    receiving = _receiving_server(result) if result.ok else None
    if receiving is not None:
        status, diagnosis = PortStatus.FAILED, receiving
    elif result.ok and security is not Security.NONE:
        status = PortStatus.WORKING
    elif _plaintext_only(result):
        status, security = PortStatus.PLAINTEXT_ONLY, Security.NONE
    else:
        status = PortStatus.FAILED
    tls = result.tls
    certificate = result.certificate_seen
    if certificate is None and tls is not None and tls.certificate is not None:
        certificate = tls.certificate.to_dict()
    return replace(
        report,
        status=status,
        security=security,
        probing=False,
        diagnosis=None if status is PortStatus.WORKING else diagnosis,
        latency=result.duration if status is PortStatus.WORKING else None,
        address=result.server.address,
        banner=result.server.banner,
        extensions=MappingProxyType(dict(result.server.extensions)),
        auth_mechanisms=tuple(result.server.auth_mechanisms),
        tls_version=tls.version if tls else None,
        tls_cipher=tls.cipher if tls else None,
        certificate=MappingProxyType(certificate) if certificate else None,
        attempts=tuple(attempts),
    )
