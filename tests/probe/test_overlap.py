"""Discovery and probing overlap: the probe starts on the candidates known while better-ranked
sources still run, and the recommendation is still the one the final candidate list gives.

A better-ranked source that answers late is a stand-in for the ISPDB (the real discovery runs
around it: DNS, MX, guesses): it answers only once the test has seen the guessed host's port
work, so without the overlap it could never answer in time (it times out, and the result says
so). No timed assertions: the order of events and what the servers saw.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace

import pytest

from smtpwizard.core.discovery import (
    Candidate,
    DiscoveryEvent,
    SourceKind,
    SourceStatus,
    guess,
    runner,
)
from smtpwizard.core.discovery.dns import DnsAnswer
from smtpwizard.core.discovery.source import SourceContext, SourceOutcome
from smtpwizard.core.net.resolve import ResolverConfig
from smtpwizard.core.probe import (
    PortReport,
    PortStatus,
    ProbeRun,
    ProbeTarget,
    ServerSearch,
    find_server,
)
from smtpwizard.core.settings import Security

from .test_discover import discovery_options
from .test_discover import dns as dns  # the fixture

S, T = Security.STARTTLS, Security.TLS
ISPDB = SourceKind.ISPDB


@pytest.fixture
def guess_zone(make_host, dns):
    """guess.test has only an MX record, pointing at a lab host whose 587 works."""
    host = make_host(p587="starttls_ok")
    dns.zone.add("guess.test", "MX", "10 localhost.")
    dns.zone.add("localhost", "A", host.ip)
    return host


def _held_search(dns, host, events, hold, options=None):
    """find_server where hold(release) holds something back until the guessed 587 works."""

    async def scenario() -> ServerSearch:
        release = asyncio.Event()
        hold(release)

        def on_port(report: PortReport) -> None:
            events.append(("port", report.host, report.port, report.status))
            if report.working:
                release.set()

        def on_source(event: DiscoveryEvent) -> None:
            if event.phase == "finished":
                events.append(("source", event.kind, event.status))

        return await find_server(
            "anna@guess.test",
            discovery=options or discovery_options(dns),
            probe=host.options(resolver=ResolverConfig(dns_server=dns.address)),
            on_source=on_source,
            on_port=on_port,
        )

    return asyncio.run(scenario())


def _search(dns, host, monkeypatch, answer, events):
    """find_server with a late ISPDB: it answers `answer()` once the guessed 587 works."""

    def hold(release: asyncio.Event) -> None:
        async def late_ispdb(ctx: SourceContext) -> SourceOutcome:
            await release.wait()
            return answer()

        monkeypatch.setitem(runner._SOURCES, ISPDB, late_ispdb)

    options = replace(discovery_options(dns), source_timeouts={ISPDB: 3.0})
    return _held_search(dns, host, events, hold, options)


def _working_before_ispdb(events, host, port):
    working = events.index(("port", host, port, PortStatus.WORKING))
    answered = next(i for i, e in enumerate(events) if e[:2] == ("source", ISPDB))
    return working < answered


def _ispdb_candidate(host: str, port: int, security: Security) -> Candidate:
    return Candidate(
        host=host,
        port=port,
        security=security,
        username="anna@guess.test",
        source=ISPDB,
        trusted=True,
        priority=ISPDB.rank * 100,
        detail="From Thunderbird's database (late).",
    )


def test_the_guess_is_probed_while_a_better_source_still_runs(guess_zone, dns, monkeypatch):
    events: list[tuple[object, ...]] = []
    nothing = SourceOutcome(SourceStatus.NOTHING, "no entry for guess.test")
    search = _search(dns, guess_zone, monkeypatch, lambda: nothing, events)
    # The ISPDB answered (it did not time out): it was asked to only after the guessed host's
    # port had been probed and found working, i.e. while it was still running.
    assert search.discovery.report(ISPDB).status is SourceStatus.NOTHING
    assert _working_before_ispdb(events, "localhost", guess_zone.port(587))
    found = search.recommended
    assert found is not None and found.verified
    assert (found.host, found.port, found.security) == ("localhost", guess_zone.port(587), S)
    assert found.source is SourceKind.GUESS and not found.trusted
    assert guess_zone.endpoints[587].connections == 1
    assert guess_zone.auth_attempts() == []
    assert guess_zone.all_idle()


def test_a_late_better_source_naming_another_server_still_wins(
    guess_zone, make_host, dns, monkeypatch
):
    # The guess works first, but the ISPDB, ranked above it, names another server that works:
    # the answer waits for it and probes its server, as it would have without the overlap.
    other = make_host(like=guess_zone, p465="tls_ok")
    events: list[tuple[object, ...]] = []
    named = _ispdb_candidate(other.ip, other.port(465), T)
    found_it = SourceOutcome(SourceStatus.FOUND, "1 server(s)", (named,))
    search = _search(dns, guess_zone, monkeypatch, lambda: found_it, events)
    assert _working_before_ispdb(events, "localhost", guess_zone.port(587))
    found = search.recommended
    assert found is not None and found.verified
    assert (found.host, found.port, found.security) == (other.ip, other.port(465), T)
    assert found.source is ISPDB and found.trusted
    assert found.candidate == named
    assert search.probe is not None
    assert search.probe.reports[0].host == other.ip  # first in the final order
    assert search.probe.report(guess_zone.port(587), "localhost").working
    assert other.all_idle() and guess_zone.all_idle()


def test_the_mx_host_probed_early_stays_when_the_guess_source_had_not_finished(
    guess_zone, make_host, dns, monkeypatch
):
    # The MX host is handed out from the MX answer's own callback, before the guess source
    # finishes. When better sources find something, that candidate (and the probe's result for
    # it) stays in every list handed out after and in the final one, as every candidate handed
    # out early does. Here the ISPDB finds another server once the MX host's 587 works, while
    # the autoconfig, ranked above it, still runs: a list is handed out then (the probe starts
    # on the ISPDB's server), and only then does the autoconfig find nothing and decide it.
    other = make_host(like=guess_zone, p465="tls_ok")
    named = _ispdb_candidate(other.ip, other.port(465), T)
    events: list[tuple[object, ...]] = []

    def hold(mx_host_works: asyncio.Event) -> None:
        other_probed = asyncio.Event()
        original = ProbeRun._set

        def noting(run: ProbeRun, index: int, report: PortReport) -> None:
            if report.host == other.ip:
                other_probed.set()
            original(run, index, report)

        async def unfinished_guess(ctx: SourceContext) -> SourceOutcome:
            await asyncio.Event().wait()  # until discovery cancels it
            raise AssertionError("not reached")

        async def late_ispdb(ctx: SourceContext) -> SourceOutcome:
            await mx_host_works.wait()
            return SourceOutcome(SourceStatus.FOUND, "1 server(s)", (named,))

        async def autoconfig_after_that(ctx: SourceContext) -> SourceOutcome:
            await other_probed.wait()
            return SourceOutcome(SourceStatus.NOTHING, "no document")

        monkeypatch.setattr(ProbeRun, "_set", noting)
        monkeypatch.setitem(runner._SOURCES, SourceKind.GUESS, unfinished_guess)
        monkeypatch.setitem(runner._SOURCES, ISPDB, late_ispdb)
        monkeypatch.setitem(runner._SOURCES, SourceKind.AUTOCONFIG, autoconfig_after_that)

    search = _held_search(dns, guess_zone, events, hold)
    guess_report = next(s for s in search.discovery.sources if s.kind is SourceKind.GUESS)
    assert guess_report.status is SourceStatus.PENDING  # it never finished
    assert [(c.host, c.source) for c in search.discovery.candidates] == [
        (other.ip, ISPDB),
        ("localhost", SourceKind.GUESS),
    ]
    assert search.recommended is not None and search.recommended.host == other.ip
    assert search.probe is not None
    mx_host = search.probe.report(guess_zone.port(587), "localhost")
    assert mx_host.working and len(mx_host.attempts) == 1
    assert guess_zone.endpoints[587].connections == 1  # never forgotten, never tried again
    assert other.all_idle() and guess_zone.all_idle()


def test_a_late_better_source_naming_the_probed_server_reuses_its_result(
    guess_zone, dns, monkeypatch
):
    # The ISPDB names exactly the server the guess found working: the recommendation is the
    # ISPDB's (trusted), and that port was connected to once, not again.
    events: list[tuple[object, ...]] = []
    named = _ispdb_candidate("localhost", guess_zone.port(587), S)
    found_it = SourceOutcome(SourceStatus.FOUND, "1 server(s)", (named,))
    search = _search(dns, guess_zone, monkeypatch, lambda: found_it, events)
    assert _working_before_ispdb(events, "localhost", guess_zone.port(587))
    found = search.recommended
    assert found is not None and found.verified
    assert (found.host, found.port, found.security) == ("localhost", guess_zone.port(587), S)
    assert found.source is ISPDB and found.trusted
    assert guess_zone.endpoints[587].connections == 1
    assert search.probe is not None
    report = search.probe.report(guess_zone.port(587), "localhost")
    assert len(report.attempts) == 1 and report.rank == 0 and report.candidate == 0
    assert guess_zone.all_idle()


def test_a_late_lower_ranked_source_is_not_waited_for(make_host, dns, monkeypatch):
    # SRV names a working server; plain-http autoconfig (ranked below SRV) never answers.
    # Nothing it could say would change the answer: it is cut off, not waited for.
    host = make_host(p587="starttls_ok")
    dns.zone.add("_submission._tcp.srv.test", "SRV", f"0 1 {host.port(587)} localhost.")
    dns.zone.add("localhost", "A", host.ip)

    async def never(ctx: SourceContext) -> SourceOutcome:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    monkeypatch.setitem(runner._SOURCES, SourceKind.AUTOCONFIG_HTTP, never)
    search = asyncio.run(
        find_server(
            "anna@srv.test",
            discovery=discovery_options(dns),
            probe=host.options(resolver=ResolverConfig(dns_server=dns.address)),
        )
    )
    found = search.recommended
    assert found is not None and found.source is SourceKind.SRV and found.verified
    report = search.discovery.report(SourceKind.AUTOCONFIG_HTTP)
    assert report.status is SourceStatus.PENDING and "not needed" in report.reason
    assert host.all_idle()


def test_retarget_keeps_results_and_decides_on_the_new_order(make_host):
    host = make_host(p587="starttls_ok", p465="tls_ok", p2525="silent")
    t587 = ProbeTarget(host.ip, host.port(587), S)
    t465 = ProbeTarget(host.ip, host.port(465), T)
    t2525 = ProbeTarget(host.ip, host.port(2525), S)

    async def scenario() -> None:
        async with ProbeRun([t465, t2525], host.options()) as run:
            first = await run.decided()
            assert first.recommended is not None and first.recommended.port == host.port(465)
            # 587 goes ahead of 465; the silent 2525 is dropped (stopped, left out).
            run.retarget([t587, t465])
            second = await run.decided()
            assert second.recommended is not None
            assert second.recommended.port == host.port(587)
            assert [(r.port, r.rank) for r in second.reports] == [
                (host.port(587), 0),
                (host.port(465), 1),
            ]
            assert len(second.report(host.port(465)).attempts) == 1
            assert second.complete
        assert host.endpoints[465].connections == 1

    asyncio.run(scenario())
    assert host.all_idle()


def test_each_dns_question_is_asked_once_in_a_whole_search(guess_zone, dns):
    # Sources share their questions (the domain for autoconfig over https and http and for the
    # guesses; the ISPDB host for the ISPDB and the MX source), and the probe uses the guess's
    # own lookup of the host when it asks the same DNS server.
    search = asyncio.run(
        find_server(
            "anna@guess.test",
            discovery=discovery_options(dns),
            probe=guess_zone.options(resolver=ResolverConfig(dns_server=dns.address)),
        )
    )
    assert search.recommended is not None and search.recommended.verified
    questions = [(name, rdtype) for _, name, rdtype in dns.queries]
    assert ("localhost", "A") in questions and ("guess.test", "A") in questions
    assert sorted(questions) == sorted(set(questions))
    assert guess_zone.all_idle()


def test_the_mx_host_is_probed_as_soon_as_its_addresses_are_in(guess_zone, dns, monkeypatch):
    # The guess source waits for all its names; the MX host's port check must not: here the
    # lookup of smtp.guess.test answers only once the MX host's 587 has been found working.
    events: list[tuple[object, ...]] = []

    def hold(release: asyncio.Event) -> None:
        real = guess._addresses

        async def held_back(ctx: SourceContext, host: str) -> DnsAnswer[str]:
            if host == "smtp.guess.test":
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(10):
                        await release.wait()
            return await real(ctx, host)

        monkeypatch.setattr(guess, "_addresses", held_back)

    search = _held_search(dns, guess_zone, events, hold)
    working = events.index(("port", "localhost", guess_zone.port(587), PortStatus.WORKING))
    guessed = events.index(("source", SourceKind.GUESS, SourceStatus.FOUND))
    assert working < guessed
    found = search.recommended
    assert found is not None and found.verified and found.source is SourceKind.GUESS
    assert (found.host, found.port) == ("localhost", guess_zone.port(587))
    assert found.candidate is not None and "mail server (MX)" in found.candidate.detail
    assert guess_zone.endpoints[587].connections == 1
    assert guess_zone.all_idle()
