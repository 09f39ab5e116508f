"""From an email address to a verified outgoing server: discovery, then probing its candidates.

Discovery decides which hosts (and, for trusted sources, which ports) are worth trying; the
probe finds which of them really work, with a verified TLS certificate. The recommendation is
the best verified option, with the source and trust of the candidate it came from.

Discovery and probing overlap. Each time a source finds candidates while better-ranked sources
still run, the probe starts on what is known so far (ProbeRun.retarget): a guessed host's ports
are connected to while the ISPDB or autoconfig is still being asked. The decision rule is
unchanged, and so is the recommendation, only sooner:

- The answer is decided on discovery's final candidates, in their final order: the probe waits
  for discovery's own decision (every source ranked above the best one that found something has
  finished), then retargets to the final list and decides as before.
- So a verified answer from a lower-ranked (lower-trust) source is never recommended while a
  better-ranked source still runs: that source could name another server (or the same server
  with more trust, which changes what the wizard asks the person). There is no exception for
  hosts that "would agree": what a running source will say is not known until it says it.
- When it answers with a server the probe has already tried (the same host, port and mode),
  that attempt's result is used as it is, now under the better source's name: no second
  attempt, no extra round trip. A different server goes ahead in the order and is probed
  then; its result decides, as it would have before.
- When it finds nothing or fails, the answer already verified is given at once.

Candidates handed out early are always part of the final list (a finished source stays in the
result), so the probe never has to forget a result; a target whose first mode changes with the
final order is started again in that mode.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..discovery import Candidate, DiscoveryOptions, DiscoveryResult, SourceKind, discover
from ..discovery.model import DiscoveryEvent
from ..settings import Security
from .model import PortReport, ProbeOptions, ProbeResult
from .ports import ProbeRun
from .targets import targets_for_candidates, with_candidates

__all__ = ["UNTESTABLE", "FoundServer", "ServerSearch", "candidate_to_dict", "find_server"]

log = logging.getLogger(__name__)

# Probe failures that say nothing about the server: it could not be reached to be tested.
UNTESTABLE = frozenset({"offline", "timeout", "network_unreachable"})


@dataclass(frozen=True, slots=True)
class FoundServer:
    host: str
    port: int
    security: Security
    username: str | None
    source: SourceKind
    trusted: bool  # the source may be used without the user confirming it
    verified: bool  # a probe connected, verified the certificate and got EHLO answered
    candidate: Candidate

    def to_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "security": self.security.value,
            "username": self.username,
            "source": self.source.value,
            "trusted": self.trusted,
            "verified": self.verified,
        }


@dataclass(frozen=True, slots=True)
class ServerSearch:
    discovery: DiscoveryResult
    probe: ProbeResult | None  # None when probing was switched off
    recommended: FoundServer | None
    elapsed: float
    # With keep_running=True: the probe of ports still pending at the decision, still open so
    # they go on reporting. The caller finishes it: `await run.finished()`, then `aclose()`.
    pending_run: ProbeRun | None = None

    @property
    def untested(self) -> FoundServer | None:
        """Settings discovery found that the probe could not test (offline, no answer at all):
        shown as found-but-untested, never as "nothing works"."""
        if self.recommended is not None or self.probe is None or not self.probe.complete:
            return None
        if any(r.diagnosis and r.diagnosis.code not in UNTESTABLE for r in self.probe.reports):
            return None
        best = next((c for c in self.discovery.candidates if c.complete and c.trusted), None)
        if best is None or best.port is None or best.security is None:
            return None
        return _found(best, best.port, best.security, self.discovery.email, verified=False)

    def untested_reason(self) -> str:
        problem = self.probe.host_problem() if self.probe else None
        if problem is not None:
            return problem.title
        return "no port answered (the network may block outgoing mail ports)"

    def to_dict(self) -> dict[str, Any]:
        d = self.discovery
        return {
            "email": d.email,
            "domain": d.domain,
            "provider": _provider_dict(d),
            "notes": list(d.notes),
            "summary": d.summary(),
            "sources": [
                {
                    "source": s.kind.value,
                    "label": s.kind.label,
                    "status": s.status.value,
                    "reason": s.reason,
                    "duration": round(s.duration, 3),
                }
                for s in d.sources
            ],
            "candidates": [candidate_to_dict(c) for c in d.candidates],
            "incoming": d.incoming.to_dict() if d.incoming else None,
            "probe": self.probe.to_dict() if self.probe else None,
            "recommended": self.recommended.to_dict() if self.recommended else None,
            "untested": (
                {**untested.to_dict(), "why": self.untested_reason()}
                if (untested := self.untested)
                else None
            ),
            "elapsed": round(self.elapsed, 3),
        }


def candidate_to_dict(candidate: Candidate) -> dict[str, Any]:
    return {
        "host": candidate.host,
        "port": candidate.port,
        "security": candidate.security.value if candidate.security else None,
        "username": candidate.username,
        "source": candidate.source.value,
        "source_label": candidate.source.label,
        "trusted": candidate.trusted,
        "priority": candidate.priority,
        "provider": candidate.provider_id,
        "notes": list(candidate.notes),
        "detail": candidate.detail,
        "incoming": candidate.incoming.to_dict() if candidate.incoming else None,
        "oauth2": _oauth2_dict(candidate),
        "password_encrypted": candidate.password_encrypted,
    }


def _oauth2_dict(candidate: Candidate) -> dict[str, Any] | None:
    block = candidate.oauth2
    if block is None:
        return None
    return {
        "issuer": block.issuer,
        "scopes": list(block.scopes),
        "auth_url": block.auth_url,
        "token_url": block.token_url,
    }


def _provider_dict(result: DiscoveryResult) -> dict[str, Any] | None:
    p = result.provider
    if p is None:
        return None
    return {
        "id": p.id,
        "name": p.name,
        "kind": p.kind.value,
        "flags": sorted(flag.value for flag in p.flags),
        "notes": list(p.notes),
        "checked": p.checked,
        "source_url": p.source_url,
    }


async def find_server(
    email: str,
    *,
    discovery: DiscoveryOptions | None = None,
    probe: ProbeOptions | None = None,
    probing: bool = True,
    on_source: Callable[[DiscoveryEvent], None] | None = None,
    on_port: Callable[[PortReport], None] | None = None,
    keep_running: bool = False,
) -> ServerSearch:
    """Discover candidates for the address, then probe them (unless probing is False).

    Raises InputError for a bad address. Without probing, the recommendation is discovery's best
    candidate, unverified, on its stated port or else the first of probe.ports.
    """
    began = time.monotonic()
    probe = probe or ProbeOptions()
    discovery = discovery or DiscoveryOptions()
    # The guess source's lookups are reused only when the probe would ask the same DNS server.
    server = discovery.dns_server
    same_dns = server is not None and server == probe.resolver.dns_server
    run: ProbeRun | None = None

    def early(candidates: tuple[Candidate, ...]) -> None:
        """Better sources still run: start on the candidates known so far."""
        nonlocal run
        targets = targets_for_candidates(candidates, probe, with_addresses=same_dns)
        try:
            if run is None:
                run = ProbeRun(targets, probe, on_port)
                run.start()
            else:
                run.retarget(targets)
        except Exception:  # e.g. a host name refused: the final step raises it as before
            log.debug("early probe not started", exc_info=True)

    try:
        found = await discover(
            email, options=discovery, progress=on_source, on_candidates=early if probing else None
        )
    except BaseException:
        if run is not None:
            await run.aclose()
        raise
    if not found.candidates:
        return ServerSearch(found, None, None, time.monotonic() - began)
    if not probing:
        best = found.candidates[0]
        port = best.port if best.port is not None else probe.ports[0][0]
        security = best.security or _security_for(port, probe)
        unverified = _found(best, port, security, found.email, verified=False)
        return ServerSearch(found, None, unverified, time.monotonic() - began)
    targets = targets_for_candidates(found.candidates, probe, with_addresses=same_dns)
    pending_run = None
    try:
        if run is None:
            run = ProbeRun(targets, probe, on_port)
        else:
            run.retarget(targets)
        run.start()
        probed = await (run.finished() if probe.wait_all else run.decided())
        probed = with_candidates(probed, found.candidates)
    except BaseException:
        if run is not None:
            await run.aclose()
        raise
    if keep_running and not probed.complete:
        pending_run = run
    else:
        await run.aclose()
    recommended = None
    if probed.recommended is not None and probed.recommended.candidate is not None:
        r = probed.recommended
        assert r.candidate is not None
        recommended = _found(
            r.candidate, r.port, r.security, found.email, verified=True, host=r.host
        )
    return ServerSearch(found, probed, recommended, time.monotonic() - began, pending_run)


def _found(
    candidate: Candidate,
    port: int,
    security: Security,
    email: str,
    *,
    verified: bool,
    host: str | None = None,
) -> FoundServer:
    return FoundServer(
        host=host or candidate.host,
        port=port,
        security=security,
        # Sources that do not say (guesses, MX, SRV) leave the usual answer: the full address;
        # a server listed as taking no password gets no username.
        username=(candidate.username or email) if candidate.signs_in else None,
        source=candidate.source,
        trusted=candidate.trusted,
        verified=verified,
        candidate=candidate,
    )


def _security_for(port: int, options: ProbeOptions) -> Security:
    for known, security in options.ports:
        if known == port:
            return security
    return Security.TLS if port == 465 else Security.STARTTLS
