"""`smtpwizard probe` against lab hosts: plain-words output, JSON, exit codes, bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from smtpwizard.cli import main
from tests.discovery.servers import DnsServer, Zone


def probe_args(host, *extra, name=None):
    ports = f"{host.port(587)},{host.port(465)}/tls,{host.port(2525)},{host.port(25)}"
    return ["probe", name or host.ip, "--ports", ports, "--ca-file", host.ca_file, *extra]


def run_cli(args, capsys):
    status = main(args)
    out, err = capsys.readouterr()
    return status, out, err


def test_human_output_answers_before_the_silent_ports(make_host, capsys):
    host = make_host(p587="starttls_ok", p465="silent", p2525="closed", p25="silent")
    status, out, err = run_cli(probe_args(host), capsys)
    assert status == 0, err
    assert f"✓ {host.port(587)} STARTTLS works (" in out
    assert "— recommended" in out
    for std in (465, 25):
        # Still being probed, or not even started yet (they start staggered): never waited for.
        pending = re.search(rf"^  (… |· ){host.port(std)} .*\(pending\)$", out, re.M)
        assert pending, out
    assert f"Recommended: {host.ip} port {host.port(587)} with STARTTLS." in out
    assert host.all_idle()
    assert host.auth_attempts() == []


def test_pending_ports_that_were_being_probed(make_host, capsys):
    host = make_host(p587="starttls_ok", p465="silent", p2525="silent", p25="silent")
    # A port that has not started yet says so; one that is being probed is "still waiting".
    status, out, _ = run_cli(probe_args(host), capsys)
    assert status == 0
    lines = [line for line in out.splitlines() if "(pending)" in line]
    assert len(lines) == 3
    for line in lines:
        assert "still waiting" in line or "not tried: a better port answered first" in line


def test_wait_all_reports_every_port(make_host, capsys):
    host = make_host(p587="starttls_ok", p465="silent", p2525="closed", p25="silent")
    status, out, _ = run_cli(probe_args(host, "--wait-all", "--timeout", "1"), capsys)
    assert status == 0
    assert "pending" not in out
    assert f"✗ {host.port(465)}: the server did not answer in time" in out
    assert f"✗ {host.port(25)}: the server did not answer in time" in out
    refused = f"✗ {host.port(2525)}: the server does not accept connections on this port"
    assert refused in out


def test_json_output(make_host, capsys):
    host = make_host(p587="closed", p465="tls_ok")
    status, out, _ = run_cli(probe_args(host, "--json"), capsys)
    assert status == 0
    data = json.loads(out)
    assert data["recommended"] == {"host": host.ip, "port": host.port(465), "security": "tls"}
    ports = {p["port"]: p for p in data["ports"]}
    assert ports[host.port(465)]["status"] == "working"
    assert ports[host.port(465)]["tls_version"].startswith("TLS")
    assert ports[host.port(587)]["diagnosis"]["code"] == "connection_refused"


def test_nothing_works_exits_1(make_host, capsys):
    host = make_host(p587="plain_ok", p465="self_signed_tls")
    status, out, _ = run_cli(probe_args(host), capsys)
    assert status == 1
    assert f"! {host.port(587)}: answers only without encryption (plaintext only)" in out
    assert f"✗ {host.port(465)}: the server's certificate is not from a trusted authority" in out
    assert host.endpoints[465].fingerprint in out  # shown so a user can compare it
    assert "Nothing works" in out
    assert host.auth_attempts() == []


def test_resolve_and_dns_server(make_host, capsys):
    # The lab certificates name "localhost": point that name at the lab host.
    host = make_host(p587="starttls_ok")
    status, out, _ = run_cli(
        probe_args(host, "--json", "--resolve", f"localhost:{host.ip}", name="localhost"), capsys
    )
    assert status == 0
    assert json.loads(out)["recommended"]["host"] == "localhost"

    zone = Zone()
    zone.add("localhost", "A", host.ip)
    with DnsServer(zone) as dns:
        address = f"{dns.address[0]}:{dns.address[1]}"
        status, out, _ = run_cli(
            probe_args(host, "--json", "--dns-server", address, name="localhost"), capsys
        )
        assert status == 0
        assert json.loads(out)["ports"][0]["address"] == host.ip
        assert dns.asked("localhost", "A")
        status, out, _ = run_cli(probe_args(host, "--dns-server", address, name="no.test"), capsys)
        assert status == 1
        # Said once for the host, not once per port.
        assert out.lower().count("the server name does not exist") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["probe", "mail.test", "--ports", "0"], "between 1 and 65535"),
        (["probe", "mail.test", "--ports", "smtp"], "port"),
        (["probe", "mail.test", "--ports", "587,587"], "twice"),
        (["probe", "mail.test", "--ports", "25/none"], "tls or starttls"),
        (["probe", "mail.test", "--ports", ","], "empty"),
        (["probe", "bad host"], "spaces"),
        (["probe", "mail.test", "--timeout", "0"], "--timeout"),
        (["probe", "mail.test", "--ca-file", "/nonexistent.pem"], "no such file"),
        (["probe", "mail.test", "--dns-server", "not-an-ip"], "DNS"),
        (["probe", "mail.test", "--resolve", "nocolon"], "HOST:IP"),
        (["probe"], "HOST"),
    ],
)
def test_bad_input_exits_2_without_traceback(args, message, capsys):
    status, out, err = run_cli(args, capsys)
    assert status == 2
    assert message.lower() in err.lower()
    assert "Traceback" not in err + out


def test_entry_point_end_to_end(make_host):
    host = make_host(p587="starttls_ok", p465="silent")
    done = subprocess.run(
        [sys.executable, "-m", "smtpwizard", *probe_args(host, "--json")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["recommended"]["port"] == host.port(587)
