"""What the human output of `smtpwizard check` says for real Postfix refusals."""

from __future__ import annotations

from smtpwizard.cli import main

from .lab import OUTSIDE, PASSWORD, USER, RealLab, ip


def check_args(real_lab: RealLab, host: str, *extra: str) -> list[str]:
    return [
        "check",
        "--host",
        host,
        "--resolve",
        f"{host}:{ip(host)}",
        "--ca-file",
        str(real_lab.ca_file),
        *extra,
    ]


def test_sender_refused_at_rcpt_is_not_shown_as_an_accepted_sender(
    real_lab: RealLab, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("H11_PW", PASSWORD)
    args = check_args(
        real_lab,
        "mail.example.test",
        "--port",
        "587",
        "--security",
        "starttls",
        "--user",
        USER,
        "--password-env",
        "H11_PW",
        "--send-to",
        OUTSIDE,
        "--from",
        "bob@example.test",
    )
    status = main(args)
    out = capsys.readouterr().out
    assert status == 1
    assert "accepts bob@example.test as the sender" not in out
    assert "The server will not send mail from this address" in out
    assert "misspelled" not in out
    assert PASSWORD not in out


def test_success_without_encryption_never_says_secured(
    real_lab: RealLab, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("H11_PW", PASSWORD)
    args = check_args(
        real_lab,
        "plain.example.test",
        "--port",
        "587",
        "--security",
        "none",
        "--allow-insecure-auth",
        "--user",
        USER,
        "--password-env",
        "H11_PW",
    )
    status = main(args)
    out = capsys.readouterr().out
    assert status == 0
    assert "secured" not in out.lower()
    assert "not encrypted" in out
