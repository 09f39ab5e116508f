"""When settings found by discovery count as "found but not tested" (ServerSearch.untested)."""

from __future__ import annotations

from smtpwizard.core.diagnosis import DiagnosisContext, make
from smtpwizard.core.discovery import Candidate, SourceKind
from smtpwizard.core.discovery.model import DiscoveryResult
from smtpwizard.core.probe import PortStatus, ServerSearch
from smtpwizard.core.probe.model import PortReport, ProbeResult
from smtpwizard.core.settings import Security, ServerSettings

BEST = Candidate(
    host="smtp.strato.de",
    port=465,
    security=Security.TLS,
    username="anna@strato.de",
    source=SourceKind.ISPDB,
    trusted=True,
    priority=200,
)


def search_with(code: str) -> ServerSearch:
    settings = ServerSettings("smtp.strato.de", 465, Security.TLS)
    failed = PortReport(
        host="smtp.strato.de",
        port=465,
        preferred=Security.TLS,
        rank=0,
        status=PortStatus.FAILED,
        diagnosis=make(code, DiagnosisContext(settings)),
    )
    probe = ProbeResult(reports=(failed,), recommended=None, decided=True, elapsed=1.0)
    found = DiscoveryResult("anna@strato.de", "strato.de", (BEST,), ())
    return ServerSearch(found, probe, None, 1.0)


def test_a_port_that_answered_no_is_tested_not_untested() -> None:
    assert search_with("connection_refused").untested is None
    assert search_with("cert_untrusted").untested is None


def test_no_answer_at_all_is_untested_with_a_plain_reason() -> None:
    search = search_with("timeout")
    untested = search.untested
    assert untested is not None and (untested.host, untested.port) == ("smtp.strato.de", 465)
    assert untested.verified is False
    assert search.untested_reason().startswith("no port answered")
    assert search.to_dict()["untested"]["why"] == search.untested_reason()


def test_offline_reason_is_the_host_problem() -> None:
    search = search_with("offline")
    assert search.untested is not None
    assert search.untested_reason() == "You seem to be offline"
