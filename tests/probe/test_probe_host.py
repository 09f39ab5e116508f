"""probe_host against real SMTP servers on loopback: what works, the ranking, the early answer."""

from __future__ import annotations

import asyncio
import time

import pytest

from smtpwizard.core.errors import InputError
from smtpwizard.core.probe import PortStatus, ProbeOptions, ProbeRun, ProbeTarget, probe_host
from smtpwizard.core.settings import Security

S, T = Security.STARTTLS, Security.TLS


def run(host, **options):
    reports = []
    began = time.monotonic()
    result = asyncio.run(
        probe_host(host.ip, options=host.options(**options), progress=reports.append)
    )
    return result, time.monotonic() - began, reports


def test_silent_ports_never_delay_the_answer(make_host):
    host = make_host(p587="starttls_ok", p465="silent", p2525="closed", p25="silent")
    result, took, events = run(host, probe_timeout=8.0, timeout=15.0, stagger=0.0)

    assert took < 1.5, f"the answer took {took:.2f} s although 587 works"
    assert result.decided and not result.complete
    assert result.recommended is not None
    assert (result.recommended.port, result.recommended.security) == (host.port(587), S)
    assert result.report(host.port(465)).status is PortStatus.PENDING
    assert result.report(host.port(25)).status is PortStatus.PENDING
    refused = result.report(host.port(2525))
    assert refused.status is PortStatus.FAILED
    assert refused.diagnosis is not None and refused.diagnosis.code == "connection_refused"
    # The silent ports were really being probed (not merely queued) when the answer came.
    assert host.endpoints[465].wait_connections(1) and host.endpoints[25].wait_connections(1)
    # Stopping them closed every connection, and nothing ever tried to sign in.
    assert host.all_idle()
    assert host.auth_attempts() == []
    assert any(e.port == host.port(465) and e.probing for e in events)


def test_a_quick_answer_spares_the_other_ports_a_connection(make_host):
    host = make_host(p587="starttls_ok", p465="silent", p2525="starttls_ok", p25="silent")
    result, _, events = run(host, stagger=5.0)
    assert result.recommended is not None and result.recommended.port == host.port(587)
    assert host.all_idle()
    assert [host.endpoints[p].connections for p in (465, 2525, 25)] == [0, 0, 0]
    pending = result.report(host.port(465))
    assert pending.status is PortStatus.PENDING and not pending.probing
    assert {e.port for e in events if e.probing} == {host.port(587)}


def test_a_quick_failure_starts_the_next_port_at_once(make_host):
    host = make_host(p587="closed", p465="tls_ok")
    result, took, _ = run(host, stagger=5.0)
    assert result.recommended is not None and result.recommended.port == host.port(465)
    assert took < 2.0


def test_working_port_records_tls_extensions_and_latency(make_host):
    host = make_host(p587="starttls_ok")
    result, _, _ = run(host)
    report = result.report(host.port(587))
    assert report.status is PortStatus.WORKING and report.security is S
    assert report.diagnosis is None
    # AUTH is offered only after STARTTLS on this server: we recorded the secure EHLO.
    assert {"PLAIN", "LOGIN"} <= set(report.auth_mechanisms)
    assert "starttls" not in report.extensions  # not offered again once encrypted
    assert report.tls_version and report.tls_version.startswith("TLS")
    assert report.certificate is not None
    assert report.certificate["fingerprint_sha256"] == host.endpoints[587].fingerprint
    assert report.latency is not None and 0 < report.latency < 5
    assert report.address == host.ip
    data = result.to_dict()
    assert data["recommended"] == {"host": host.ip, "port": host.port(587), "security": "starttls"}
    assert data["ports"][0]["status"] == "working"
    assert host.auth_attempts() == []


def test_only_2525_works(make_host):
    host = make_host(p2525="starttls_ok")
    result, _, _ = run(host, wait_all=True)
    assert result.recommended is not None
    assert (result.recommended.port, result.recommended.security) == (host.port(2525), S)
    assert result.complete
    codes = {r.port: r.diagnosis.code for r in result.reports if r.diagnosis}
    assert codes == {host.port(p): "connection_refused" for p in (587, 465, 25)}


def test_ranking_follows_the_seed_order(make_host):
    host = make_host(p587="closed", p465="tls_ok", p2525="starttls_ok", p25="starttls_ok")
    result, _, _ = run(host, wait_all=True)
    assert result.recommended is not None
    assert (result.recommended.port, result.recommended.security) == (host.port(465), T)
    assert [r.status for r in result.reports] == [
        PortStatus.FAILED,
        PortStatus.WORKING,
        PortStatus.WORKING,
        PortStatus.WORKING,
    ]


def test_plaintext_only_is_never_working(make_host):
    host = make_host(p587="plain_ok", p465="plain_ok", p2525="plain_ok", p25="plain_ok")
    result, _, _ = run(host)
    assert result.recommended is None and result.decided and result.complete
    for report in result.reports:
        assert report.status is PortStatus.PLAINTEXT_ONLY, report
        assert report.security is Security.NONE
        assert report.diagnosis is not None and report.diagnosis.code == "starttls_unavailable"
        # The server offers sign-in in plaintext; we recorded it and sent nothing.
        assert "PLAIN" in report.auth_mechanisms
    # 465 expected SSL/TLS, got a plaintext greeting, so STARTTLS was tried there too.
    assert [a.code for a in result.report(host.port(465)).attempts] == [
        "wrong_security",
        "starttls_unavailable",
    ]
    assert host.auth_attempts() == []
    assert host.all_idle()


def test_stripped_starttls_is_plaintext_only(make_host):
    host = make_host(p587="starttls_stripped")
    result, _, _ = run(host)
    assert result.recommended is None
    assert result.report(host.port(587)).status is PortStatus.PLAINTEXT_ONLY
    assert host.auth_attempts() == []


def test_self_signed_is_not_working_and_keeps_the_certificate(make_host):
    host = make_host(p587="self_signed", p465="self_signed_tls")
    result, _, _ = run(host)
    assert result.recommended is None
    for std in (587, 465):
        report = result.report(host.port(std))
        assert report.status is PortStatus.FAILED
        assert report.diagnosis is not None and report.diagnosis.code == "cert_untrusted"
        assert report.diagnosis.needs_consent
        fingerprint = host.endpoints[std].fingerprint
        assert report.diagnosis.suggestion == {"trusted_fingerprint": fingerprint}
        assert report.certificate is not None
        assert report.certificate["fingerprint_sha256"] == fingerprint
        assert report.certificate["self_signed"] is True
    assert host.auth_attempts() == []


def test_hostname_mismatch_keeps_the_names(make_host):
    host = make_host(p587="hostname_mismatch", p465="closed")
    result, _, _ = run(host)
    report = result.report(host.port(587))
    assert report.status is PortStatus.FAILED
    assert report.diagnosis is not None and report.diagnosis.code == "cert_hostname_mismatch"
    assert report.diagnosis.suggestion == {"host": "box123.lab-hosting.test"}
    assert report.certificate is not None
    assert report.certificate["san_names"] == ["box123.lab-hosting.test"]


def test_465_speaking_starttls_is_detected_and_used(make_host):
    host = make_host(p465="starttls_ok")
    result, _, _ = run(host)
    report = result.report(host.port(465))
    assert report.status is PortStatus.WORKING and report.security is S
    assert [(a.security, a.code) for a in report.attempts] == [
        (T, "wrong_security"),
        (S, "ok"),
    ]
    assert result.recommended is not None
    assert (result.recommended.port, result.recommended.security) == (host.port(465), S)


def test_a_port_in_its_other_mode_ranks_after_every_preferred_mode(make_host):
    # 587 turns out to be implicit TLS (found after the silent-greeting sniff); 2525 works as
    # meant. 2525 wins, but only once 587's other mode is known.
    host = make_host(p587="tls_ok", p2525="starttls_ok")
    result, _, _ = run(host, wait_all=True)
    first = result.report(host.port(587))
    assert first.status is PortStatus.WORKING and first.security is T
    assert [a.code for a in first.attempts] == ["wrong_security", "ok"]
    assert result.recommended is not None
    assert (result.recommended.port, result.recommended.security) == (host.port(2525), S)


def test_nothing_answers(make_host):
    host = make_host()
    result, took, _ = run(host)
    assert result.recommended is None and result.decided and result.complete
    assert took < 3
    assert all(r.status is PortStatus.FAILED for r in result.reports)


def test_every_port_silent_times_out_per_probe(make_host):
    host = make_host(p587="silent", p465="silent", p2525="silent", p25="silent")
    result, took, _ = run(host, probe_timeout=0.6, timeout=5.0)
    assert result.recommended is None and result.complete
    assert all(r.diagnosis and r.diagnosis.code == "timeout" for r in result.reports)
    assert 0.6 <= took < 3.0
    assert host.all_idle()


def test_overall_deadline_stops_everything(make_host):
    host = make_host(p587="silent", p465="silent")
    result, took, _ = run(host, probe_timeout=8.0, timeout=0.8)
    assert 0.8 <= took < 2.5
    assert result.recommended is None and result.complete
    for std in (587, 465):
        diagnosis = result.report(host.port(std)).diagnosis
        assert diagnosis is not None and diagnosis.code == "timeout"
        # The check shares the deadline and normally says where it ran out (the greeting on
        # 587, the TLS handshake on 465); the probe's own words only if it could not finish
        # within the grace after the deadline.
        assert (
            "deadline" in diagnosis.technical
            or "timeout" in diagnosis.technical
            or (diagnosis.technical == "overall probe time limit reached")
        )
    assert host.all_idle()


def test_concurrency_is_bounded(make_host):
    """Every port connects at once; at most `concurrency` conversations, the rest wait."""
    mute = "mute_after_greeting"  # talking (it greeted), so it keeps its slot
    host = make_host(p587=mute, p465=mute, p2525=mute, p25=mute)
    probing: dict[int, bool] = {}
    waited: set[int] = set()
    most = 0

    def progress(report):
        nonlocal most
        if probing.get(report.port) and not report.probing and not report.finished:
            waited.add(report.port)  # connected, waiting its turn
        probing[report.port] = report.probing
        if len(waited) == 2:  # from here on every port has connected
            most = max(most, sum(probing.values()))

    began = time.monotonic()
    result = asyncio.run(
        probe_host(
            host.ip,
            options=host.options(
                # One mode each: 465 tried as SSL/TLS would fail fast and come back as STARTTLS.
                ports=tuple((host.port(std), S) for std in (587, 465, 2525, 25)),
                concurrency=2,
                probe_timeout=0.5,
                timeout=5.0,
            ),
            progress=progress,
        )
    )
    took = time.monotonic() - began
    assert result.complete
    assert len(waited) == 2 and most == 2
    # Four 0.5 s probes, two at a time: two rounds (one round would end near 0.5 s; the loop's
    # timers may fire a few milliseconds early, so not exactly 1.0).
    assert took >= 0.9
    assert host.all_idle()


def test_run_keeps_reporting_after_the_decision(make_host):
    host = make_host(p587="starttls_ok", p465="silent")
    seen = []

    async def main():
        options = host.options(probe_timeout=1.0, timeout=5.0)
        targets = [ProbeTarget(host.ip, port, sec) for port, sec in options.ports]
        async with ProbeRun(targets, options, seen.append, host=host.ip) as probe:
            early = await probe.decided()
            late = await probe.finished()
        return early, late

    early, late = asyncio.run(main())
    assert early.decided and early.report(host.port(465)).status is PortStatus.PENDING
    assert late.complete and late.recommended == early.recommended
    final_465 = [r for r in seen if r.port == host.port(465) and r.finished]
    assert final_465 and final_465[-1].diagnosis.code == "timeout"
    assert host.all_idle()


def test_cancelling_a_probe_closes_everything(make_host):
    host = make_host(p587="silent", p465="silent", p2525="silent", p25="silent")

    async def main():
        probing: set[int] = set()
        all_probing = asyncio.Event()

        def progress(report):
            if report.probing:
                probing.add(report.port)
            if len(probing) == 4:
                all_probing.set()

        task = asyncio.create_task(probe_host(host.ip, options=host.options(), progress=progress))
        await all_probing.wait()
        # Waited for in threads: the probe's own connects need this loop to go on running.
        waits = (asyncio.to_thread(ep.wait_connections, 1) for ep in host.endpoints.values())
        assert all(await asyncio.gather(*waits))
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert host.all_idle()


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="twice"):
        ProbeOptions(ports=((587, S), (587, T)))
    with pytest.raises(ValueError, match="concurrency"):
        ProbeOptions(concurrency=0)
    with pytest.raises(ValueError, match="1-65535"):
        ProbeOptions(ports=((70000, S),))


@pytest.mark.parametrize(
    ("target", "field"),
    [
        (ProbeTarget("127.0.0.1", 0, S), "port"),
        (ProbeTarget("127.0.0.1", 65536, S), "port"),
        (ProbeTarget("smtp.example.com\r\nRCPT", 587, S), "host"),
    ],
)
def test_an_unusable_target_is_refused_before_any_traffic(target, field):
    async def main() -> None:
        ProbeRun([target], ProbeOptions())

    with pytest.raises(InputError) as refused:
        asyncio.run(main())
    assert refused.value.field == field
