"""The probe against real Postfix listeners on the real port numbers (587, 465, 2525, 25)."""

from __future__ import annotations

import json

from smtpwizard.cli import main

from .lab import RealLab, ip


def probe(real_lab: RealLab, host: str, *extra: str) -> list[str]:
    return [
        "probe",
        host,
        "--resolve",
        f"{host}:{ip(host)}",
        "--ca-file",
        str(real_lab.ca_file),
        "--timeout",
        "10",
        *extra,
    ]


def test_an_mx_only_host_is_not_recommended_as_an_outgoing_server(real_lab: RealLab, capsys):
    status = main(probe(real_lab, "mx.example.test", "--json"))
    data = json.loads(capsys.readouterr().out)
    assert status == 1
    assert data["recommended"] is None
    port25 = next(p for p in data["ports"] if p["port"] == 25)
    assert port25["diagnosis"]["code"] == "not_a_submission_server"
    assert port25["tls_version"], "25 did encrypt: STARTTLS worked, only AUTH is missing"

    status = main(probe(real_lab, "mx.example.test"))
    out = capsys.readouterr().out
    assert status == 1
    assert "25 STARTTLS works" not in out
    assert "receives your mail, not the one that sends it" in out


def test_a_full_provider_is_recommended_on_587_and_its_mx_port_is_labelled(
    real_lab: RealLab, capsys
):
    status = main(probe(real_lab, "mail.example.test", "--json", "--wait-all"))
    data = json.loads(capsys.readouterr().out)
    assert status == 0
    assert data["recommended"] == {"host": "mail.example.test", "port": 587, "security": "starttls"}
    ports = {p["port"]: p for p in data["ports"]}
    assert ports[465]["status"] == "working"
    assert ports[25]["diagnosis"]["code"] == "not_a_submission_server"
