"""Real ISPDB files (tests/discovery/ispdb/, MPL-2.0, see its README) through our parser and the
candidate builder: what people see for them."""

from __future__ import annotations

from pathlib import Path

import pytest

from smtpwizard.core.discovery import SourceKind, parse_client_config
from smtpwizard.core.discovery.source import config_candidates
from smtpwizard.core.settings import Security

ISPDB = Path(__file__).with_name("ispdb")


def load(name: str, email: str):  # type: ignore[no-untyped-def]
    return parse_client_config((ISPDB / f"{name}.xml").read_bytes(), email)


def candidates(name: str, email: str):  # type: ignore[no-untyped-def]
    config = load(name, email)
    return config_candidates(
        config,
        email=email,
        domain=email.rsplit("@", 1)[1],
        source=SourceKind.ISPDB,
        trusted=True,
        detail="From Thunderbird's database.",
    )


@pytest.mark.parametrize("path", sorted(ISPDB.glob("*.xml")), ids=lambda p: p.stem)
def test_every_copied_file_parses_with_nothing_ignored(path: Path) -> None:
    config = parse_client_config(path.read_bytes(), f"anna@{path.stem}")
    assert config.outgoing, path
    assert not [i for i in config.ignored if "outgoing" in i]


def test_no_password_entry_proposes_no_username_and_does_not_contradict_itself() -> None:
    (entry,) = load("kokuyou.ne.jp", "anna@kokuyou.ne.jp").outgoing
    assert entry.security is Security.NONE and entry.authentication == ("none",)
    assert entry.username is None
    notes = " ".join(entry.notes())
    assert "does not ask for a password" in notes
    assert "password would be readable" not in notes
    assert "own network" in notes


def test_plain_entry_with_a_password_warns_about_it() -> None:
    (entry,) = load("nifty.com", "anna@nifty.com").outgoing
    assert entry.security is Security.NONE and entry.username == "anna"
    assert any("password would be readable" in n for n in entry.notes())


def test_client_ip_restriction_says_provider_network_only() -> None:
    entries = load("o2.pl", "anna@o2.pl").outgoing
    assert [e.restriction for e in entries] == [("client-IP-address",)] * 2
    for entry in entries:
        assert entry.own_network_only
        assert any("provider's own network" in n for n in entry.notes())


def test_enable_instruction_and_documentation_reach_the_notes() -> None:
    config = load("gmx.net", "anna@gmx.net")
    (step,) = config.enable
    assert step.url == "https://hilfe.gmx.net/pop-imap/einschalten.html"
    assert step.instruction is not None and step.instruction.startswith("You must allow access")
    notes = candidates("gmx.net", "anna@gmx.net")[0].notes
    assert any("You must allow access" in n and "einschalten.html" in n for n in notes)
    assert any("imap-serverdaten.html" in n for n in notes)


def test_documentation_prefers_the_smtp_page_and_keeps_descriptions() -> None:
    config = load("zoho.eu", "anna@zoho.eu")
    assert len(config.documentation) == 7
    assert config.notes() == (
        "Zoho Mail - SMTP Server Configuration: https://www.zoho.com/mail/help/zoho-smtp.html",
    )
    strato = load("strato.de", "anna@strato.de").notes()
    assert strato == (
        "Your provider's instructions: https://www.strato.de/faq/mail/"
        "externes-e-mail-programm-mit-strato-e-mail-adresse-nutzen/",
    )


def test_workspace_domain_on_smtp_gmail_is_google_workspace_not_gmail() -> None:
    best = candidates("umich.edu", "anna@umich.edu")[0]
    assert best.host == "smtp.gmail.com"
    assert best.provider_id == "google-workspace"
    assert not any("Gmail address as the sender" in n for n in best.notes)
    own = candidates("googlemail.com", "anna@gmail.com")[0]
    assert own.provider_id == "gmail"
    # Gmail's own ISPDB file also lists jazztel.es: mail run by Google, not a gmail.com box.
    assert "jazztel.es" in load("googlemail.com", "anna@jazztel.es").domains
    jazztel = candidates("googlemail.com", "anna@jazztel.es")[0]
    assert jazztel.provider_id == "google-workspace"


def test_office365_oauth_entry_does_not_deny_what_an_admin_can_allow() -> None:
    best = candidates("office365.com", "anna@contoso.onmicrosoft.com")[0]
    assert best.provider_id == "microsoft-365"
    text = " ".join(best.notes)
    assert "will be refused" not in text
    assert "administrator" in text and "OAuth2" in text


def test_unknown_first_socket_type_falls_back_to_the_next() -> None:
    """Thunderbird reads a later <socketType> it knows; a future value must not drop the entry."""
    data = (ISPDB / "strato.de.xml").read_bytes()
    data = data.replace(
        b"<port>465</port>\n      <socketType>SSL</socketType>",
        b"<port>465</port>\n      <socketType>TLS1.3-only</socketType><socketType>SSL</socketType>",
        1,
    )
    assert b"TLS1.3-only" in data
    config = parse_client_config(data, "anna@strato.de")
    assert (config.outgoing[0].port, config.outgoing[0].security) == (465, Security.TLS)
    assert config.ignored == ()


def test_virgin_net_is_in_our_table() -> None:
    from smtpwizard.core.discovery import match_domain

    provider = match_domain("virgin.net")
    assert provider is not None and provider.id == "virgin-media"
    ispdb_host = load("virgin.net", "anna@virgin.net").outgoing[0].host
    assert ispdb_host == "smtp.virgin.net"  # the ISPDB's own (older) name


def test_personal_zoho_eu_uses_smtp_zoho_eu() -> None:
    from smtpwizard.core.discovery import match_domain

    provider = match_domain("zoho.eu")
    assert provider is not None
    found = provider.candidates("anna@zoho.eu", SourceKind.PROVIDER_TABLE, trusted=True, detail="")
    hosts = {c.host for c in found}
    assert hosts == {"smtp.zoho.eu"}
    assert {e.host for e in load("zoho.eu", "anna@zoho.eu").outgoing} == hosts


def test_hostile_links_and_texts_in_a_document_are_dropped() -> None:
    data = (ISPDB / "gmx.net.xml").read_bytes()
    data = data.replace(
        b'<documentation url="https://hilfe.gmx.net/pop-imap/imap/imap-serverdaten.html" />',
        b'<documentation url="javascript:alert(1)"><descr>x</descr></documentation>'
        b'<documentation url="https://ok.example/a b"/>'
        b'<documentation url="https://ok.example/smtp"><descr lang="de">nur deutsch</descr>'
        b"</documentation>",
    )
    data = data.replace(b"<instruction>You must", b"<instruction>&#x9b;31mYou must")
    config = parse_client_config(data, "anna@gmx.net")
    assert [d.url for d in config.documentation] == ["https://ok.example/smtp"]
    assert config.documentation[0].description is None
    # The English instruction had a terminal control (CSI): dropped, a plain default said.
    (step,) = config.enable
    assert step.instruction is None
    assert config.notes()[0].startswith("Switch on access for mail programs")
    assert "\x9b" not in " ".join(config.notes())
