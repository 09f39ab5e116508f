"""`smtpwizard check` against the lab: human and JSON output, exit codes, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from smtpwizard.cli import main

PASSWORD_ENV = "SMTPWIZARD_TEST_PASSWORD"


def run_cli(args, capsys, password=None, monkeypatch=None):
    if password is not None:
        monkeypatch.setenv(PASSWORD_ENV, password)
    status = main(args)
    out, err = capsys.readouterr()
    return status, out, err


def base_args(lab, ep, *, security=None, user=True):
    args = [
        "check",
        "--host",
        ep.host,
        "--port",
        str(ep.port),
        "--security",
        security or ep.security.value,
        "--ca-file",
        str(lab.ca_file),
        "--timeout",
        "6",
    ]
    if user:
        args += ["--user", ep.username or "anna@lab.test", "--password-env", PASSWORD_ENV]
    return args


@pytest.mark.parametrize(
    ("scenario", "extra", "security", "code"),
    [
        ("starttls_ok", ["--send-to", "bob@lab.test"], None, "ok"),
        ("tls_ok", [], None, "ok"),
        ("starttls_ok", [], "tls", "wrong_security"),
        ("tls_ok", [], "starttls", "wrong_security"),
        ("gmail_app_password", [], None, "app_password_required"),
        ("m365_auth_disabled", [], None, "auth_disabled_by_provider"),
        ("oauth_only", [], None, "auth_mechanism_unsupported"),
        ("no_auth_after_tls", [], None, "auth_not_offered"),
        ("self_signed", [], None, "cert_untrusted"),
        ("hostname_mismatch", [], None, "cert_hostname_mismatch"),
        ("expired", [], None, "cert_expired"),
        ("relay_denied", ["--send-to", "x@elsewhere.example"], None, "relay_denied"),
        (
            "sender_rejected",
            ["--send-to", "b@lab.test", "--from", "c@lab.test"],
            None,
            "sender_rejected",
        ),
        ("recipient_rejected", ["--send-to", "nobody@lab.test"], None, "recipient_rejected"),
        ("message_rejected", ["--send-to", "bob@lab.test"], None, "message_rejected"),
        ("busy", [], None, "server_busy"),
        ("closed", [], None, "connection_refused"),
        ("huge_banner", [], None, "protocol_error"),
        ("starttls_stripped", [], "starttls", "starttls_unavailable"),
        ("starttls_then_plain", [], "starttls", "tls_handshake_failed"),
        ("plain_ok", [], "none", "plaintext_auth_refused"),
    ],
)
def test_json_report_for_each_code(lab, capsys, monkeypatch, scenario, extra, security, code):
    ep = lab.start(scenario)
    args = base_args(lab, ep, security=security) + extra + ["--json"]
    status, out, err = run_cli(args, capsys, ep.password or "wrong", monkeypatch)
    report = json.loads(out)
    assert report["diagnosis"]["code"] == code
    assert report["ok"] is (code == "ok")
    assert status == (0 if code == "ok" else 1)
    for key in ("title", "explanation", "fix", "suggestion"):
        assert key in report["diagnosis"]
    assert {"steps", "server", "tls", "transcript"} <= set(report)
    if ep.password:
        assert ep.password not in out + err


def test_more_codes_through_the_cli(lab, capsys, monkeypatch):
    cases = [
        ("silent", "starttls", "timeout", ["--timeout", "2"]),
        (
            "starttls_ok",
            "none",
            "starttls_required",
            ["--send-to", "b@lab.test", "--from", "a@lab.test"],
        ),
        ("cpanel", None, "auth_failed", []),
        (
            "sendas_denied",
            None,
            "sender_rejected",
            ["--send-to", "b@lab.test", "--from", "c@lab.test"],
        ),
    ]
    for scenario, security, code, extra in cases:
        ep = lab.start(scenario)
        user = code != "starttls_required"
        args = base_args(lab, ep, security=security, user=user) + extra + ["--json"]
        password = "wrong" if scenario == "cpanel" else ep.password or "wrong"
        _, out, _ = run_cli(args, capsys, password, monkeypatch)
        assert json.loads(out)["diagnosis"]["code"] == code, scenario


def test_human_output_reads_as_steps_and_plain_words(lab, capsys, monkeypatch):
    ep = lab.start("starttls_ok")
    status, out, _ = run_cli(base_args(lab, ep, security="tls"), capsys, ep.password, monkeypatch)
    assert status == 1
    assert "The encryption setting does not match this port" in out
    assert "What to do:" in out
    assert "--security starttls" in out
    status, out, _ = run_cli(base_args(lab, ep), capsys, ep.password, monkeypatch)
    assert status == 0
    assert "Signing in" in out and "Everything works" in out


def test_trust_fingerprint_and_resolve_flags(lab, capsys, monkeypatch):
    ep = lab.start("self_signed")
    args = [*base_args(lab, ep), "--trust-fingerprint", ep.fingerprint, "--json"]
    status, out, _ = run_cli(args, capsys, ep.password, monkeypatch)
    assert status == 0, out
    mismatch = lab.start("hostname_mismatch")
    args = [*base_args(lab, mismatch), "--json"]
    args[args.index("--host") + 1] = mismatch.tls_name
    args += ["--resolve", f"{mismatch.tls_name}:{mismatch.host}"]
    status, out, _ = run_cli(args, capsys, mismatch.password, monkeypatch)
    assert status == 0, out


def test_pasted_url_in_the_host_field(lab, capsys, monkeypatch):
    ep = lab.start("tls_ok")
    args = [
        "check",
        "--host",
        f"  smtps://{ep.host}:{ep.port}/ ",
        "--user",
        ep.username,
        "--password-env",
        PASSWORD_ENV,
        "--ca-file",
        str(lab.ca_file),
        "--json",
    ]
    status, out, _ = run_cli(args, capsys, ep.password, monkeypatch)
    assert status == 0, out
    assert json.loads(out)["settings"]["security"] == "tls"


def test_password_from_stdin(lab):
    ep = lab.start("starttls_ok")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "smtpwizard",
            "check",
            "--host",
            ep.host,
            "--port",
            str(ep.port),
            "--security",
            "starttls",
            "--user",
            ep.username,
            "--password-stdin",
            "--ca-file",
            str(lab.ca_file),
            "--json",
        ],
        input=ep.password + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert ep.password not in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["check", "--host", "smtp.example.com"], "--port"),
        (["check", "--host", "smtp.example.com", "--port", "0"], "between 1 and 65535"),
        (["check", "--host", "https://x.example/", "--port", "587"], "not a mail server"),
        (["check", "--host", "h.example", "--port", "587", "--security", "ssl"], "invalid choice"),
        (
            ["check", "--host", "h.example", "--port", "587", "--trust-fingerprint", "zz"],
            "64 hexadecimal",
        ),
        (
            ["check", "--host", "h.example", "--port", "587", "--ca-file", "/nonexistent.pem"],
            "no such file",
        ),
        (
            ["check", "--host", "h.example", "--port", "587", "--dns-server", "dns.example"],
            "IP address",
        ),
        (
            [
                "check",
                "--host",
                "h.example",
                "--port",
                "587",
                "--user",
                "a",
                "--password-env",
                "SMTPWIZARD_UNSET_VAR",
            ],
            "not set",
        ),
        (
            ["check", "--host", "h.example", "--port", "587", "--send-to", "not-an-address"],
            "not an email address",
        ),
        (["check", "--host", "h.example", "--port", "587", "--timeout", "0"], "--timeout"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_no_traceback(args, words):
    env = {**os.environ, "SMTPWIZARD_UNSET_VAR": ""}
    env.pop("SMTPWIZARD_UNSET_VAR")
    proc = subprocess.run(
        [sys.executable, "-m", "smtpwizard", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2, proc.stderr
    assert words in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.keychain
@pytest.mark.skipif(not os.environ.get("SMTPWIZARD_TEST_KEYRING"), reason="needs with-keyring")
def test_check_a_saved_profile_with_the_keychain_password(lab, capsys, tmp_path, monkeypatch):
    from smtpwizard.core.credentials import credential_key, delete_password_sync, save_password_sync
    from smtpwizard.core.profiles import Profile, save_profile
    from smtpwizard.core.settings import Account, Security, ServerSettings

    monkeypatch.setenv("SMTPWIZARD_CONFIG_DIR", str(tmp_path))
    ep = lab.start("starttls_ok")
    settings = ServerSettings(ep.host, ep.port, Security.STARTTLS, ep.username)
    save_profile(Profile("work", settings, Account(ep.username)))
    save_password_sync(credential_key(settings), ep.password)
    try:
        status = main(["check", "--profile", "work", "--ca-file", str(lab.ca_file), "--json"])
        out, _ = capsys.readouterr()
        assert status == 0, out
        assert json.loads(out)["ok"] is True
        assert ep.password not in out
        status = main(["check", "--profile", "nope"])
        _, err = capsys.readouterr()
        assert status == 2 and "work" in err  # the message names the profiles that exist
    finally:
        delete_password_sync(credential_key(settings))


@pytest.mark.parametrize("args", [[], ["gui"], ["gui", "--demo"]])
def test_without_a_screen_the_wizard_says_so_instead_of_crashing(args):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    proc = subprocess.run(
        [sys.executable, "-m", "smtpwizard", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2, proc.stderr
    assert "no screen to show the wizard on" in proc.stderr
    assert "smtpwizard demo" in proc.stderr
