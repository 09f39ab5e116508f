"""No fix moves the password to another organisation without consent naming both domains.

The attack: whoever answers for smtp.victim.test (a hostile network, a poisoned resolver) shows a
certificate that is perfectly valid, for their own name mail.attacker.test. The old diagnosis
cert_hostname_mismatch offered "Change the server name to mail.attacker.test and test again"
as a one-click fix, and the command line said "run again with --host mail.attacker.test".

A real aiosmtpd server with real STARTTLS and a trustme certificate plays the attacker; names
are pointed at it with --resolve (the check's own resolver), never the system's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import trustme

from smtpwizard.core.organisations import stranger_host
from smtpwizard.core.settings import Security, ServerSettings
from tests.discovery.servers import DnsServer, Zone
from tests.gui import conftest as gui_fixtures

from .children import PASSWORD_ENV, run_cli
from .impostor import Impostor, impostor

# The wizard's fixtures (one qasync loop, an isolated config folder), reused.
_session_qloop = gui_fixtures._session_qloop
qloop = gui_fixtures.qloop
isolated_config = gui_fixtures.isolated_config

HOST = "127.0.10.3"
PASSWORD = "Victim-Pass-4921"


@pytest.fixture
def attacker(ca: trustme.CA) -> Iterator[Impostor]:
    """A valid certificate, for the attacker's own name."""
    with impostor(ca, HOST, "mail.attacker.test") as server:
        yield server


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def cli(*args: str, ca_file: Path) -> Ran:
    done = run_cli([*args, "--ca-file", str(ca_file)], home=ca_file.parent, password=PASSWORD)
    return Ran(done.returncode, done.stdout.decode(), done.stderr.decode())


def check_args(
    port: int, host: str = "smtp.victim.test", user: str = "anna@victim.test"
) -> list[str]:
    return [
        "check", "--host", host, "--port", str(port), "--security", "starttls",
        "--user", user, "--password-env", PASSWORD_ENV, "--resolve", f"{host}:{HOST}",
        "--timeout", "10",
    ]  # fmt: skip


def test_cli_warns_instead_of_suggesting_the_attackers_host(
    attacker: Impostor, ca_file: Path
) -> None:
    human = cli(*check_args(attacker.port), ca_file=ca_file)
    as_json = cli(*check_args(attacker.port), "--json", ca_file=ca_file)
    assert human.returncode == 1 and as_json.returncode == 1, human.stderr
    out = human.stdout
    assert "--host mail.attacker.test" not in out
    assert "run again" not in out
    assert "Warning: mail.attacker.test belongs to attacker.test, not to victim.test" in out
    d = json.loads(as_json.stdout)["diagnosis"]
    assert d["code"] == "cert_hostname_mismatch"
    assert d["needs_consent"] is True
    assert "attacker.test" in d["warning"] and "victim.test" in d["warning"]
    assert "attacker.test" in d["consent"] and "victim.test" in d["consent"]
    assert "Use mail.attacker.test" not in d["fix"]
    assert attacker.auth == []  # the password never left


def test_a_name_in_the_same_domain_is_still_one_click(ca: trustme.CA, ca_file: Path) -> None:
    """The shared-hosting case inside one organisation stays easy: mail.victim.test."""
    with impostor(ca, HOST, "mail.victim.test") as server:
        run = cli(*check_args(server.port), "--json", ca_file=ca_file)
        d = json.loads(run.stdout)["diagnosis"]
        assert d["code"] == "cert_hostname_mismatch"
        assert d["suggestion"] == {"host": "mail.victim.test"}
        assert d["needs_consent"] is False and d["warning"] == ""


def test_a_known_provider_the_domain_uses_is_not_a_stranger(ca: trustme.CA, ca_file: Path) -> None:
    """smtp.office365.com for a custom domain whose MX is at Microsoft: the usual fix."""
    zone = Zone()
    zone.add("contoso.test", "MX", "0 contoso-test.mail.protection.outlook.com.")
    with DnsServer(zone) as dns, impostor(ca, HOST, "smtp.office365.com") as server:
        args = check_args(server.port, "smtp.contoso.test", "anna@contoso.test")
        dns_arg = f"{dns.address[0]}:{dns.address[1]}"
        run = cli(*args, "--json", "--dns-server", dns_arg, ca_file=ca_file)
        d = json.loads(run.stdout)["diagnosis"]
        assert d["suggestion"] == {"host": "smtp.office365.com"}
        assert d["needs_consent"] is False, d
    # Without that MX the same certificate is a stranger's.
    assert stranger_host("smtp.office365.com", old_host="smtp.contoso.test", email="a@contoso.test")


@pytest.mark.parametrize(
    ("host", "old", "email", "mx", "stranger"),
    [
        ("mail.attacker.test", "smtp.victim.test", "a@victim.test", (), "attacker.test"),
        ("mail.victim.test", "smtp.victim.test", "a@victim.test", (), None),
        ("smtp.bbc.co.uk", "mail.bbc.co.uk", "a@bbc.co.uk", (), None),
        ("smtp.evil.co.uk", "mail.bbc.co.uk", "a@bbc.co.uk", (), "evil.co.uk"),
        ("smtp.gmail.com", "smtp.gmail.com", "a@gmail.com", (), None),
        ("smtp.gmail.com", "mail.victim.test", "a@victim.test", (), "gmail.com"),
        (
            "smtp.office365.com",
            "smtp.c.test",
            "a@c.test",
            ("c-test.mail.protection.outlook.com",),
            None,
        ),
        ("127.0.0.9", "smtp.victim.test", "a@victim.test", (), "127.0.0.9"),
    ],
)
def test_who_is_a_stranger(
    host: str, old: str, email: str, mx: tuple[str, ...], stranger: str | None
) -> None:
    found = stranger_host(host, old_host=old, email=email, mx_hosts=mx)
    assert (found.host_domain if found else None) == stranger


def test_changing_the_host_drops_the_old_hosts_pin_and_permission() -> None:
    settings = ServerSettings(
        "smtp.victim.test", 587, Security.NONE, "a@victim.test",
        allow_insecure_auth=True, trusted_fingerprint="ab" * 32,
    )  # fmt: skip
    moved = settings.with_changes(host="mail.attacker.test")
    assert moved.trusted_fingerprint is None and moved.allow_insecure_auth is False
    same = settings.with_changes(port=2525)
    assert same.trusted_fingerprint == "ab" * 32 and same.allow_insecure_auth is True
    assert replace(settings, host="SMTP.victim.test").with_changes(host="smtp.victim.test") \
        .trusted_fingerprint == "ab" * 32  # fmt: skip


# ---------------------------------------------------------------- the wizard


def test_wizard_needs_consent_naming_both_domains_and_drops_the_old_pin(
    qtbot, qloop, isolated_config, attacker: Impostor, ca_file: Path
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    from smtpwizard.core.settings import ResolverConfig
    from smtpwizard.ui.state import WizardState
    from smtpwizard.ui.wizard import SetupWizard
    from tests.gui.flows import fill_email, fill_server, fill_sign_in, wait_for_test

    state = WizardState(ca_file=str(ca_file))
    state.resolver = ResolverConfig(overrides={"smtp.victim.test": HOST})
    wizard = SetupWizard(state)
    qtbot.addWidget(wizard)
    wizard.show()
    try:
        fill_email(qtbot, wizard, "anna@victim.test", manual=True)
        fill_server(qtbot, wizard, "smtp.victim.test", attacker.port, Security.STARTTLS)
        fill_sign_in(qtbot, wizard, "anna@victim.test", PASSWORD, send_to=None)
        page, result = wait_for_test(qtbot, wizard)
        card = page.card
        assert result.diagnosis.code == "cert_hostname_mismatch"
        assert card.warning.isVisible() and card.consent.isVisible()
        for words in (card.warning.text(), card.consent.text()):
            assert "attacker.test" in words and "victim.test" in words
        assert card.apply.isVisible() and not card.apply.isEnabled()
        card._apply()  # even a click that reaches the handler does nothing without the tick
        assert not page.runner.running and page.state.settings.host == "smtp.victim.test"
        # A pin and a permission the user gave the old server must not follow the password.
        page.state.settings = replace(
            page.state.settings, trusted_fingerprint="ab" * 32, allow_insecure_auth=True
        )
        card.consent.setChecked(True)
        assert card.apply.isEnabled()
        qtbot.mouseClick(card.apply, Qt.MouseButton.LeftButton)
        settings = page.state.settings
        assert settings.host == "mail.attacker.test"
        assert settings.trusted_fingerprint is None and settings.allow_insecure_auth is False
        qtbot.waitUntil(lambda: not page.runner.running, timeout=20000)
    finally:
        wizard.stop_everything()
    assert attacker.auth == []  # smtp.victim.test's impostor never got the password


def test_judging_a_host_change_asks_dns_only_when_it_can_decide() -> None:
    import asyncio

    from smtpwizard.core.organisations import judge_host_change

    zone = Zone()
    zone.add("contoso.test", "MX", "0 contoso-test.mail.protection.outlook.com.")
    with DnsServer(zone) as dns:

        def judge(host: str, email: str) -> str | None:
            found = asyncio.run(
                judge_host_change(
                    host, old_host="smtp.contoso.test", email=email,
                    dns_server=dns.address, timeout=2.0,
                )
            )  # fmt: skip
            return found.host_domain if found else None

        assert judge("smtp.office365.com", "a@contoso.test") is None  # its MX is at Microsoft
        assert judge("smtp.office365.com", "a@other.test") == "office365.com"
        assert judge("mail.attacker.test", "a@contoso.test") == "attacker.test"
        asked = len(dns.queries)
        assert judge("mail.contoso.test", "a@contoso.test") is None
        assert judge("mail.attacker.test", "a@contoso.test") == "attacker.test"
        assert len(dns.queries) == asked  # not a known provider: nothing to ask DNS


def test_discover_warns_about_an_srv_answer_in_another_domain(ca_file: Path) -> None:
    """DNS is unauthenticated: an SRV record naming another organisation's server is shown with
    the warning naming both domains, not just "please confirm"."""
    zone = Zone()
    zone.add("_submission._tcp.victim.test", "SRV", "0 0 587 mail.attacker.test.")
    with DnsServer(zone) as dns:
        run = cli(
            "discover", "anna@victim.test", "--no-probe", "--timeout", "3",
            "--dns-server", f"{dns.address[0]}:{dns.address[1]}", ca_file=ca_file,
        )  # fmt: skip
    assert "Use: mail.attacker.test port 587" in run.stdout, run.stdout + run.stderr
    assert "Warning: mail.attacker.test belongs to attacker.test, not to victim.test" in " ".join(
        run.stdout.split()
    )
