"""`smtpwizard export`, run as a user runs it: a separate process, exit codes, stdout/stderr."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from smtpwizard.core.exporters import FORMATS, render_export
from smtpwizard.core.profiles import CheckSummary, Profile, save_profile
from smtpwizard.core.settings import Account, IncomingProtocol, IncomingServer, Security

from .samples import CHECKED, sample

ROOT = Path(__file__).resolve().parents[2]
SERVER = ["--host", "smtp.example.com", "--port", "587", "--security", "starttls"]
SERVER += ["--user", "anna@example.com", "--email", "anna@example.com", "--name", "Anna Müller"]
DATED = ["--checked-on", "2026-11-01"]


def cli(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    full_env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "smtpwizard", "export", *args],
        input=stdin.encode(),
        capture_output=True,
        env=full_env,
        timeout=60,
        cwd=ROOT,
    )


def _usage_error(proc: subprocess.CompletedProcess[bytes], *phrases: str) -> str:
    err = proc.stderr.decode()
    assert proc.returncode == 2, (proc.returncode, err)
    assert "Traceback" not in err and err.startswith("smtpwizard: ")
    for phrase in phrases:
        assert phrase in err
    return err


def test_list_shows_every_format() -> None:
    proc = cli("--list")
    assert proc.returncode == 0
    for fmt in FORMATS:
        assert fmt.id in proc.stdout.decode()
    listed = json.loads(cli("--list", "--json").stdout)
    assert [item["id"] for item in listed] == [fmt.id for fmt in FORMATS]
    by_id = {item["id"]: item for item in listed}
    assert by_id["msmtp"] == {
        "id": "msmtp",
        "title": "msmtp (~/.msmtprc)",
        "audience": "tool",
        "where": "code or a server",
        "for_version": "msmtp 1.8 and later",
        "can_carry_password": True,
        "needs_incoming": False,
        "binary": False,
    }
    assert by_id["thunderbird-autoconfig"]["can_carry_password"] is False


def test_stdout_holds_exactly_the_export() -> None:
    proc = cli("--format", "msmtp", *SERVER, *DATED)
    assert proc.returncode == 0 and proc.stderr == b""
    assert proc.stdout == render_export("msmtp", *sample(), checked_on=CHECKED).data


def test_a_mail_program_format_without_the_incoming_server_exits_2() -> None:
    proc = cli("--format", "thunderbird-autoconfig", *SERVER)
    _usage_error(proc, "incoming (IMAP or POP3) server", "--incoming-host")
    assert proc.stdout == b""


def test_the_incoming_server_from_the_command_line() -> None:
    proc = cli(
        "--format", "thunderbird-autoconfig", *SERVER, *DATED,
        "--incoming-host", "imap.example.com",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (
        proc.stdout == render_export("thunderbird-autoconfig", *sample(), checked_on=CHECKED).data
    )
    pop = cli(
        "--format", "apple-mobileconfig", *SERVER, "--incoming-host", "pop.example.com:995"
    )  # fmt: skip
    assert b"<string>EmailTypePOP</string>" in pop.stdout


@pytest.mark.parametrize(
    ("args", "phrases"),
    [
        (["--format", "nope", *SERVER], ["no export called 'nope'", "msmtp"]),
        (["--format", "msmtp"], ["--profile NAME"]),
        (["--format", "msmtp", "--host", "smtp.example.com", "--port", "587"], ["--email"]),
        (["--format", "msmtp", *SERVER[:-4], "--email", "not-an-address"], ["not an email"]),
        (["--format", "card-pdf", *SERVER], ["binary file", "-o email-settings.pdf"]),
        (["--format", "django", *SERVER, "--password-env", "X"], ["without --include-password"]),
        (
            ["--format", "thunderbird-userjs", *SERVER, "--include-password", "--password-stdin"],
            ["cannot carry a password"],
        ),
        (["--format", "msmtp", *SERVER, "--checked-on", "yesterday"], ["2026-11-01"]),
        (["--format", "msmtp", "--profile", "nobody-saved-this"], ["no saved profile"]),
    ],
)
def test_user_errors_exit_2_with_a_clear_message(
    args: list[str],
    phrases: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """In-process through smtpwizard.cli.main (the same path as the command, but faster)."""
    from smtpwizard.cli import main

    monkeypatch.setenv("SMTPWIZARD_CONFIG_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code = main(["export", *args])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.startswith("smtpwizard: ") and "Traceback" not in captured.err
    for phrase in phrases:
        assert phrase in captured.err


def test_an_unwritable_path_exits_2(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    proc = cli("--format", "django", *SERVER, "-o", str(tmp_path / "file" / "settings.py"))
    _usage_error(proc, "Cannot write")


def test_binary_card_written_with_o(tmp_path: Path) -> None:
    proc = cli("--format", "card-pdf", *SERVER, "-o", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    written = tmp_path / "email-settings.pdf"
    assert written.read_bytes().startswith(b"%PDF-")
    out = proc.stdout.decode()
    assert f"Wrote {written}." in out and "How to use it:" in out


def test_password_from_the_environment_lands_in_a_0600_file(tmp_path: Path) -> None:
    target = tmp_path / "settings.py"
    proc = cli(
        "--format", "django", *SERVER, "--include-password", "--password-env", "MY_PW",
        "-o", str(target), env={"MY_PW": "s3cret 'quoted'"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "readable by you only" in proc.stdout.decode()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "EMAIL_HOST_PASSWORD = \"s3cret 'quoted'\"" in target.read_text()
    assert b"s3cret" not in proc.stdout + proc.stderr
    _usage_error(
        cli("--format", "django", *SERVER, "--include-password", "--password-env", "UNSET_PW_X"),
        "UNSET_PW_X is not set",
    )


def test_password_from_stdin() -> None:
    proc = cli(
        "--format", "nodemailer", *SERVER, "--include-password", "--password-stdin",
        stdin="from stdin\n",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert b'pass: "from stdin",' in proc.stdout


def test_a_saved_profile(tmp_path: Path) -> None:
    incoming = IncomingServer(IncomingProtocol.IMAP, "imap.example.com", 993, Security.TLS)
    settings, _ = sample()
    profile = Profile(
        name="Office",
        server=settings,
        account=Account("anna@example.com", "Anna Müller", incoming),
        last_check=CheckSummary(ok=True, when="2026-11-01T09:30:00+00:00"),
    )
    env = {"SMTPWIZARD_CONFIG_DIR": str(tmp_path)}
    saved_env = os.environ.get("SMTPWIZARD_CONFIG_DIR")
    os.environ["SMTPWIZARD_CONFIG_DIR"] = str(tmp_path)
    try:
        save_profile(profile)
    finally:
        if saved_env is None:
            del os.environ["SMTPWIZARD_CONFIG_DIR"]
        else:
            os.environ["SMTPWIZARD_CONFIG_DIR"] = saved_env
    proc = cli("--format", "outlook-autodiscover", "--profile", "Office", env=env)
    assert proc.returncode == 0, proc.stderr
    # The date of the profile's last good check is the card's "checked" date.
    assert proc.stdout == render_export("outlook-autodiscover", *sample(), checked_on=CHECKED).data


@pytest.mark.consumer
def test_password_from_the_real_keychain(tmp_path: Path) -> None:
    """--keyring reads what smtpwizard stored, from a private gnome-keyring."""
    target = tmp_path / "msmtprc"
    script = (
        '"$0" -c "from smtpwizard.core.credentials import save_password_sync as s;'
        " s('anna@example.com@smtp.example.com:587', 'from the keychain')\" && "
        '"$0" -m smtpwizard export --format msmtp "$@"'
    )
    args = [*SERVER, "--include-password", "--keyring", "-o", str(target)]
    proc = subprocess.run(
        [str(ROOT / "scripts" / "with-keyring"), "sh", "-c", script, sys.executable, *args],
        capture_output=True,
        timeout=60,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert 'password "from the keychain"' in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_thunderbird_user_js_keeps_the_default_profiles_servers(tmp_path: Path) -> None:
    """Without --thunderbird-profile the CLI reads (never writes) the default profile."""
    root = tmp_path / ".thunderbird"
    profile = root / "x1.default-release"
    profile.mkdir(parents=True)
    prefs = 'user_pref("mail.smtpservers", "smtp1,smtp3");\n'
    (profile / "prefs.js").write_text(prefs)
    (root / "profiles.ini").write_text("[Install1]\nDefault=x1.default-release\n")
    proc = cli("--format", "thunderbird-userjs", *SERVER, env={"HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    assert b'user_pref("mail.smtpservers", "smtp1,smtp3,smtpwizard");' in proc.stdout
    assert (profile / "prefs.js").read_text() == prefs
    explicit = cli("--format", "thunderbird-userjs", *SERVER, "--thunderbird-profile", str(profile))
    assert explicit.stdout == proc.stdout
