"""Discovery feeding the probe: candidates from a real DNS server, probed on lab SMTP hosts.

The lab's certificates name "localhost" and the lab address, so the DNS zone points the server
name localhost at the lab host; any other name gets a (realistic) certificate-name mismatch.
The ISPDB URL points at a loopback port where nothing listens, so it fails at once.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import Iterator

import pytest

from smtpwizard.cli import main
from smtpwizard.core.discovery import Candidate, DiscoveryOptions, SourceKind
from smtpwizard.core.net.resolve import ResolverConfig
from smtpwizard.core.probe import (
    PortStatus,
    ProbeOptions,
    find_server,
    probe_candidates,
    targets_for_candidates,
)
from smtpwizard.core.settings import Security
from tests.discovery.servers import DnsServer, Zone

S, T = Security.STARTTLS, Security.TLS


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def dns() -> Iterator[DnsServer]:
    with DnsServer(Zone()) as server:
        yield server


def cli_args(dns, host, email, *extra):
    return [
        "discover",
        email,
        "--dns-server",
        f"{dns.address[0]}:{dns.address[1]}",
        "--ispdb-url",
        f"https://127.0.0.1:{_closed_port()}/v1.1/",
        "--ca-file",
        host.ca_file,
        *extra,
    ]


def discovery_options(dns):
    return DiscoveryOptions(
        dns_server=dns.address,
        ispdb_url=f"https://127.0.0.1:{_closed_port()}/v1.1/",
        dns_timeout=1.0,
        timeout=5.0,
    )


def test_srv_candidate_is_probed_and_recommended(make_host, dns, capsys):
    host = make_host(p587="starttls_ok", p465="silent")
    dns.zone.add("_submission._tcp.srv.test", "SRV", f"0 1 {host.port(587)} localhost.")
    dns.zone.add("localhost", "A", host.ip)

    status = main(cli_args(dns, host, "anna@srv.test", "--json"))
    out, err = capsys.readouterr()
    assert status == 0, err
    data = json.loads(out)
    assert data["recommended"] == {
        "host": "localhost",
        "port": host.port(587),
        "security": "starttls",
        "username": "anna@srv.test",
        "source": "srv",
        "trusted": False,
        "verified": True,
    }
    assert data["candidates"][0]["source"] == "srv"
    assert data["candidates"][0]["trusted"] is False
    assert {s["source"]: s["status"] for s in data["sources"]}["srv"] == "found"
    assert data["probe"]["ports"][0]["status"] == "working"
    assert host.auth_attempts() == []
    assert host.all_idle()

    status = main(cli_args(dns, host, "anna@srv.test"))
    out, _ = capsys.readouterr()
    assert status == 0
    assert "Candidates, best first:" in out
    assert f"1. localhost:{host.port(587)} STARTTLS — found in your domain's DNS (SRV)" in out
    assert f"✓ localhost {host.port(587)} STARTTLS works (" in out
    assert f"Use: localhost port {host.port(587)} with STARTTLS, username anna@srv.test" in out
    assert "verified; please confirm it" in out


def test_no_probe_recommends_unverified_without_connecting(make_host, dns, capsys):
    host = make_host(p587="starttls_ok")
    dns.zone.add("_submission._tcp.srv.test", "SRV", f"0 1 {host.port(587)} localhost.")
    dns.zone.add("localhost", "A", host.ip)
    status = main(cli_args(dns, host, "anna@srv.test", "--no-probe", "--json"))
    out, _ = capsys.readouterr()
    assert status == 0
    data = json.loads(out)
    assert data["probe"] is None
    assert data["recommended"]["verified"] is False
    assert data["recommended"]["port"] == host.port(587)
    assert host.endpoints[587].connections == 0


def test_nothing_found_exits_1(make_host, dns, capsys):
    host = make_host()
    status = main(cli_args(dns, host, "anna@nowhere.test", "--json"))
    out, _ = capsys.readouterr()
    assert status == 1
    data = json.loads(out)
    assert data["recommended"] is None and data["candidates"] == []
    assert data["summary"].startswith("No outgoing server found for nowhere.test")
    status = main(cli_args(dns, host, "anna@nowhere.test"))
    assert status == 1
    assert "No outgoing server found" in capsys.readouterr().out


def test_found_but_certificate_names_another_server(make_host, dns, capsys):
    host = make_host(p587="starttls_ok")
    dns.zone.add("_submission._tcp.shop.test", "SRV", f"0 1 {host.port(587)} mail.shop.test.")
    dns.zone.add("mail.shop.test", "A", host.ip)
    status = main(cli_args(dns, host, "anna@shop.test", "--json", "--timeout", "3"))
    out, _ = capsys.readouterr()
    assert status == 1
    data = json.loads(out)
    assert data["recommended"] is None
    stated = data["probe"]["ports"][0]
    assert (stated["host"], stated["port"]) == ("mail.shop.test", host.port(587))
    assert stated["diagnosis"]["code"] == "cert_hostname_mismatch"
    assert stated["diagnosis"]["suggestion"] == {"host": "localhost"}
    assert "localhost" in stated["certificate"]["san_names"]
    assert host.auth_attempts() == []


@pytest.mark.parametrize(
    ("email", "extra", "message"),
    [
        ("not-an-address", [], "email address"),
        ("anna@example.test", ["--ispdb-url", "ftp://x/"], "https://"),
        ("anna@example.test", ["--timeout", "-1"], "--timeout"),
    ],
)
def test_bad_input_exits_2(email, extra, message, capsys):
    status = main(["discover", email, "--dns-server", "127.0.0.1:9", *extra])
    out, err = capsys.readouterr()
    assert status == 2
    assert message in err
    assert "Traceback" not in out + err


def test_guessed_host_probed_on_the_standard_ports(make_host, dns):
    # Only an MX record: the guess source offers the MX host without a port, so the probe tries
    # the (lab-mapped) standard ports; 587 is closed here, 465 works.
    host = make_host(p587="closed", p465="tls_ok", p25="silent")
    dns.zone.add("guess.test", "MX", "10 localhost.")
    dns.zone.add("localhost", "A", host.ip)
    search = asyncio.run(
        find_server(
            "anna@guess.test",
            discovery=discovery_options(dns),
            probe=host.options(resolver=ResolverConfig(dns_server=dns.address)),
        )
    )
    found = search.recommended
    assert found is not None
    assert (found.host, found.port, found.security) == ("localhost", host.port(465), T)
    assert found.source is SourceKind.GUESS and not found.trusted and found.verified
    assert found.username == "anna@guess.test"
    assert search.probe is not None
    assert search.probe.report(host.port(25), "localhost").status is PortStatus.PENDING
    assert host.all_idle()


def _candidate(host, port, security, source, priority):
    return Candidate(
        host=host,
        port=port,
        security=security,
        username="anna@example.test" if source.trusted else None,
        source=source,
        trusted=source.trusted,
        priority=priority,
    )


def test_targets_stated_ports_first_then_standard_ports_host_by_host():
    candidates = [
        _candidate("a.test", 465, T, SourceKind.AUTOCONFIG, 100),
        _candidate("b.test", 2525, S, SourceKind.SRV, 400),
        _candidate("c.test", None, None, SourceKind.GUESS, 600),
    ]
    targets = targets_for_candidates(candidates, ProbeOptions())
    assert [(t.host, t.port, t.security, t.candidate) for t in targets] == [
        ("a.test", 465, T, 0),
        ("b.test", 2525, S, 1),
        ("a.test", 587, S, 0),
        ("a.test", 2525, S, 0),
        ("a.test", 25, S, 0),
        ("b.test", 587, S, 1),
        ("b.test", 465, T, 1),
        ("b.test", 25, S, 1),
        ("c.test", 587, S, 2),
        ("c.test", 465, T, 2),
        ("c.test", 2525, S, 2),
        ("c.test", 25, S, 2),
    ]


def test_trusted_candidate_wins_over_a_working_guess(make_host):
    trusted = make_host(p465="tls_ok")
    guessed = make_host(like=trusted, p587="starttls_ok")
    candidates = [
        _candidate(trusted.ip, trusted.port(465), T, SourceKind.AUTOCONFIG, 100),
        _candidate(guessed.ip, None, None, SourceKind.GUESS, 600),
    ]
    result = asyncio.run(probe_candidates(candidates, options=trusted.options()))
    assert result.recommended is not None
    assert result.recommended.candidate is candidates[0]
    assert (result.recommended.host, result.recommended.port) == (trusted.ip, trusted.port(465))
    assert trusted.all_idle() and guessed.all_idle()


def test_trusted_host_other_ports_before_the_guess(make_host):
    # The stated port is closed; the trusted host's 587 is silent and its 2525 works; the guess
    # works on 587. The trusted host's 2525 ranks first once its silent 587 has timed out.
    trusted = make_host(p587="silent", p2525="starttls_ok")
    guessed = make_host(like=trusted, p587="starttls_ok")
    candidates = [
        _candidate(trusted.ip, trusted.port(465), T, SourceKind.AUTOCONFIG, 100),
        _candidate(guessed.ip, None, None, SourceKind.GUESS, 600),
    ]
    result = asyncio.run(probe_candidates(candidates, options=trusted.options(probe_timeout=1.0)))
    best = result.recommended
    assert best is not None and best.candidate is candidates[0]
    assert (best.host, best.port, best.security) == (trusted.ip, trusted.port(2525), S)
    assert result.report(trusted.port(587), trusted.ip).diagnosis.code == "timeout"
    assert result.report(guessed.port(587), guessed.ip).status is PortStatus.WORKING
    assert trusted.auth_attempts() == [] and guessed.auth_attempts() == []
    assert trusted.all_idle() and guessed.all_idle()


def test_provider_notes_and_trust_without_probing(make_host, dns, capsys):
    host = make_host()
    status = main(cli_args(dns, host, "anna@gmail.com", "--no-probe", "--json"))
    out, _ = capsys.readouterr()
    assert status == 0
    data = json.loads(out)
    assert data["provider"]["id"] == "gmail"
    assert "app_password_required" in data["provider"]["flags"]
    assert any("app password" in note for note in data["notes"])
    assert data["recommended"] == {
        "host": "smtp.gmail.com",
        "port": 587,
        "security": "starttls",
        "username": "anna@gmail.com",
        "source": "provider_table",
        "trusted": True,
        "verified": False,
    }
    assert data["incoming"]["host"] == "imap.gmail.com"

    status = main(cli_args(dns, host, "anna@gmail.com", "--no-probe"))
    out, _ = capsys.readouterr()
    assert status == 0
    assert "Provider: Gmail" in out
    assert "Note: Gmail does not accept your normal Google password" in out
    assert "1. smtp.gmail.com:587 STARTTLS — our built-in list (trusted)" in out
    assert "(our built-in list, not tested (--no-probe))." in out


def test_provider_server_unreachable_exits_1_with_the_reasons(make_host, dns, capsys):
    # smtp.gmail.com resolves (through the lab DNS) to a lab address where nothing listens.
    host = make_host()
    dns.zone.add("smtp.gmail.com", "A", host.ip)
    status = main(cli_args(dns, host, "anna@gmail.com", "--timeout", "3"))
    out, _ = capsys.readouterr()
    assert status == 1
    # Nothing listens there in the lab (a local mail server on 0.0.0.0 would still fail: its
    # certificate is not for smtp.gmail.com).
    for port in (587, 465):
        assert re.search(rf"^  (✗|!) smtp\.gmail\.com {port}: ", out, re.M), out
    assert "Nothing works" in out
    assert "Note: Gmail does not accept your normal Google password" in out


def test_keep_running_leaves_pending_ports_reporting_until_finished(make_host, dns):
    # The wizard's way: the answer at the decision, and the silent port still being probed.
    host = make_host(p587="closed", p465="tls_ok", p25="silent")
    dns.zone.add("keep.test", "MX", "10 localhost.")
    dns.zone.add("localhost", "A", host.ip)
    reports = []

    async def scenario():
        search = await find_server(
            "anna@keep.test",
            discovery=discovery_options(dns),
            probe=host.options(resolver=ResolverConfig(dns_server=dns.address), probe_timeout=1.0),
            on_port=reports.append,
            keep_running=True,
        )
        assert search.recommended is not None and search.recommended.port == host.port(465)
        assert search.pending_run is not None  # port 25 had not finished
        decided_at = len(reports)
        final = await search.pending_run.finished()
        await search.pending_run.aclose()
        return final, decided_at

    final, decided_at = asyncio.run(scenario())
    assert final.complete
    assert final.report(host.port(25), "localhost").status is PortStatus.FAILED
    assert any(r.port == host.port(25) for r in reports[decided_at:])  # reported after the answer
    assert host.all_idle()
