"""`smtpwizard deliverability` against the lab DNS: JSON shape, human output, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from smtpwizard.cli import main

from .conftest import SERVER_IP, DeliverabilityLab


def _args(dlab: DeliverabilityLab, domain: str, *extra: str) -> list[str]:
    host, port = dlab.dns.address
    return ["deliverability", domain, "--dns-server", f"{host}:{port}", "--timeout", "8", *extra]


def test_json_has_one_object_per_check_and_a_verdict(
    dlab: DeliverabilityLab, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(_args(dlab, "nodmarc.test", "--smtp-host", "smtp.lab.test", "--json"))
    data = json.loads(capsys.readouterr().out)
    assert status == 1 and data["verdict"] == "at_risk"
    assert [c["check"] for c in data["checks"]] == [
        "spf", "dkim", "dmarc", "ptr", "mx", "mta_sts", "tls_rpt"
    ]  # fmt: skip
    for check in data["checks"]:
        assert set(check) >= {"status", "title", "explanation", "fix", "record"}
        assert check["status"] in ("pass", "warn", "fail", "missing")
    dmarc = data["checks"][2]
    assert dmarc["status"] == "missing" and dmarc["record"] is None
    assert dmarc["fix"]["value"] == "v=DMARC1; p=none; rua=mailto:dmarc-reports@nodmarc.test"
    assert dmarc["fix"]["name"] == "_dmarc.nodmarc.test"
    assert data["checks"][0]["record"] == f"v=spf1 ip4:{SERVER_IP} -all"


def test_human_output_shows_the_fix(
    dlab: DeliverabilityLab, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(_args(dlab, "unauth.test", "--smtp-host", "smtp.lab.test", "--selector", "x"))
    out = capsys.readouterr().out
    assert status == 1
    assert f"Value: v=spf1 ip4:192.0.2.0/24 ip4:{SERVER_IP} -all" in out
    assert "Published now:\n      v=spf1 ip4:192.0.2.0/24 -all" in out
    assert "Verdict: AT RISK." in out


def test_good_domain_exits_0(dlab: DeliverabilityLab, capsys: pytest.CaptureFixture[str]) -> None:
    dlab.zone.records["good.test"].pop("MX")  # no MX: at risk
    assert main(_args(dlab, "good.test", "--smtp-host", "smtp.lab.test")) == 1
    capsys.readouterr()
    dlab.zone.add("good.test", "MX", "10 mx.good.test.")
    web = ["--ca-file", str(dlab.ca_file)]
    # The command fetches MTA-STS from port 443 as in real life; nothing listens there in this
    # suite's own loopback range, and a policy that cannot be fetched is a problem of mail TO
    # the domain (optional here), not of mail from it.
    dlab.zone.records["mta-sts.good.test"]["A"] = ["127.0.17.1"]
    assert main(_args(dlab, "good.test", "--smtp-host", "smtp.lab.test", *web)) == 0
    assert "Verdict: GOOD." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deliverability", "not a domain"], "server name cannot contain spaces"),
        (["deliverability", "example.test", "--dns-server", "nope"], "--dns-server takes an IP"),
        (["deliverability", "example.test", "--ca-file", "/nonexistent.pem"], "no such file"),
        (["deliverability", "example.test", "--smtp-host", "a b"], "cannot contain spaces"),
        (["deliverability", "example.test", "--imap", "imap.example.test"], "go with --read-back"),
        (["deliverability", "example.test", "--read-back", "<a@b>"], "needs the mailbox"),
        (
            [
                "deliverability",
                "example.test",
                "--read-back",
                "<a@b>",
                "--imap",
                "i.test",
                "--user",
                "u",
                "--wait",
                "0",
            ],
            "--wait must be",
        ),
    ],
)
def test_bad_input_exits_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_runs_as_a_program(dlab: DeliverabilityLab) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "smtpwizard", *_args(dlab, "nospf.test", "--json")],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["checks"][0]["status"] == "missing"
