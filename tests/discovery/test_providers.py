"""The built-in provider table: complete, well-formed, matched the way the wizard relies on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from smtpwizard.core.discovery import (
    ProviderFlag,
    SourceKind,
    match_domain,
    match_mx,
    match_smtp_host,
    provider_by_id,
    providers,
)
from smtpwizard.core.discovery.providers import ProviderTableError, load_providers
from smtpwizard.core.discovery.providers_doc import render_markdown
from smtpwizard.core.settings import Security

DOCS = Path(__file__).resolve().parents[2] / "docs" / "providers.md"

# The list: each must be in the table (ids, or an id prefix for regional families).
REQUIRED = [
    "gmail", "google-workspace", "microsoft-365", "outlook-com", "yahoo", "aol", "icloud",
    "zoho", "fastmail", "gmx-de", "webde", "ionos-de", "ovh-mxplan", "godaddy",
    "namecheap-private-email", "bluehost", "hostinger", "siteground", "dreamhost",
    "amazon-ses-us-east-1", "amazon-ses-eu-west-1", "sendgrid", "mailgun", "postmark", "brevo",
    "mailjet", "sparkpost",
]  # fmt: skip


def test_table_has_at_least_forty_distinct_providers_and_the_required_ones() -> None:
    table = providers()
    families = {re.sub(r"-(?:[a-z]{2}-[a-z]+-\d)$", "", p.id) for p in table}
    assert len(families) >= 40
    missing = [i for i in REQUIRED if provider_by_id(i) is None]
    assert missing == []


def test_every_entry_has_checked_date_source_and_usable_servers() -> None:
    for provider in providers():
        info = provider.info
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", info.checked), info.id
        assert info.source_url.startswith("https://"), info.id
        assert info.username_hint, info.id
        if ProviderFlag.NO_SMTP in info.flags:
            assert provider.smtp == ()
            continue
        assert provider.smtp, info.id
        # at least one encrypted way in; we never suggest plaintext from our own table
        assert all(s.security is not Security.NONE for s in provider.smtp), info.id
        if info.kind.value == "sending":
            assert provider.username is None or "%" not in provider.username, info.id


def test_sending_services_say_what_the_username_is() -> None:
    sendgrid = provider_by_id("sendgrid")
    ses = provider_by_id("amazon-ses-eu-central-1")
    assert sendgrid is not None and ses is not None
    assert sendgrid.username == "apikey"
    assert ProviderFlag.USERNAME_IS_API_KEY in sendgrid.info.flags
    assert ses.username is None
    assert ProviderFlag.USERNAME_IS_SMTP_CREDENTIAL in ses.info.flags
    assert "not your AWS access key" in ses.info.username_hint
    assert [s.host for s in ses.smtp] == ["email-smtp.eu-central-1.amazonaws.com"] * 2


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("gmail.com", "gmail"),
        ("GoogleMail.com", "gmail"),
        ("hotmail.co.uk", "outlook-com"),
        ("contoso.onmicrosoft.com", "microsoft-365"),
        ("me.com", "icloud"),
        ("web.de", "webde"),
        ("tutanota.com", "tuta"),
        ("example.test", None),
        ("gmail.com.evil.test", None),
        ("notgmail.com", None),
    ],
)
def test_match_by_email_domain(domain: str, expected: str | None) -> None:
    found = match_domain(domain.lower())
    assert (found.id if found else None) == expected


@pytest.mark.parametrize(
    ("mx", "expected"),
    [
        ("contoso-com.mail.protection.outlook.com", "microsoft-365"),
        ("hotmail-com.olc.protection.outlook.com", "outlook-com"),  # more specific wins
        ("aspmx.l.google.com", "google-workspace"),
        ("alt1.aspmx.l.google.com", "google-workspace"),
        ("smtp.google.com", "google-workspace"),
        ("aspmx2.googlemail.com", "google-workspace"),
        ("mx-aol.mail.gm0.yahoodns.net", "aol"),
        ("mta6.am0.yahoodns.net", "yahoo"),
        ("mx01.mail.icloud.com", "icloud"),
        ("mx.zoho.eu", "zoho-eu-org"),
        ("in1-smtp.messagingengine.com", "fastmail"),
        ("mx00.kundenserver.de", "ionos-de"),
        ("mx1.mail.ovh.net", "ovh-mxplan"),
        ("mx10.mailspamprotection.com", "siteground"),
        ("protection.outlook.com", None),  # "*" needs at least one label
        ("google.com.evil.test", None),
        ("evilgoogle.com", None),
    ],
)
def test_match_by_mx_host(mx: str, expected: str | None) -> None:
    found = match_mx(mx)
    assert (found.id if found else None) == expected


def test_match_by_smtp_host() -> None:
    assert getattr(match_smtp_host("smtp.sendgrid.net"), "id", None) == "sendgrid"
    assert getattr(match_smtp_host("SMTP.Office365.com."), "id", None) == "microsoft-365"
    assert match_smtp_host("smtp.example.test") is None


def test_candidates_fill_placeholders_and_carry_notes_and_flags() -> None:
    bluehost = provider_by_id("bluehost")
    icloud = provider_by_id("icloud")
    assert bluehost is not None and icloud is not None
    candidates = bluehost.candidates("ann@shop.test", SourceKind.MX, trusted=False, detail="via MX")
    assert [(c.host, c.port, c.security) for c in candidates] == [
        ("mail.shop.test", 465, Security.TLS),
        ("mail.shop.test", 587, Security.STARTTLS),
    ]
    assert all(c.username == "ann@shop.test" and not c.trusted for c in candidates)
    assert candidates[0].priority < candidates[1].priority
    assert ProviderFlag.CERTIFICATE_NAMES_SERVER in candidates[0].flags
    incoming = icloud.incoming_for("emily@icloud.com")
    assert incoming is not None and incoming.username == "emily"  # Apple: name part for IMAP


_HEAD = "[[provider]]\nid='x'\nname='X'\nkind='mailbox'\nsource='https://x.test'\nchecked='2026-11-27'\n"
_OK_SMTP = "smtp=[{host='smtp.x.test', port=587, security='starttls'}]"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("[[provider]]\nid='x'", "missing 'name'"),
        ("nonsense = [", "not valid TOML"),
        ("[other]\n", "no [[provider]]"),
        (
            "[[provider]]\nid='x'\nname='X'\nkind='mailbox'\nsource='https://x.test'\n"
            "checked='2026-11-27'\n" + _OK_SMTP + "\n"
            "flags=['made_up_flag']",
            "made_up_flag",
        ),
        (
            "[[provider]]\nid='x'\nname='X'\nkind='mailbox'\nsource='http://x.test'\n"
            "checked='2026-11-27'\nsmtp=[]",
            "https:// URL",
        ),
        (
            "[[provider]]\nid='x'\nname='X'\nkind='mailbox'\nsource='https://x.test'\n"
            "checked='yesterday'\nsmtp=[]",
            "YYYY-MM-DD",
        ),
        (
            "[[provider]]\nid='x'\nname='X'\nkind='mailbox'\nsource='https://x.test'\n"
            "checked='2026-11-27'\nsmtp=[{host='smtp.x.test', port=99999, security='tls'}]",
            "bad port",
        ),
        (
            "[[provider]]\nid='x'\nname='X'\nkind='mailbox'\nsource='https://x.test'\n"
            "checked='2026-11-27'\nsmtp=[]",
            "no smtp servers",
        ),
        ("provider = [1, 2]", "must be a table"),
        ("[[provider]]\nid='x'\nname='X'", "missing 'kind'"),
        (
            _HEAD + _OK_SMTP + "\nsurprise=1",
            "unknown keys ['surprise']",
        ),
        (
            _HEAD + _OK_SMTP + "\ndomains='x.test'",
            "domains must be a list of strings",
        ),
        (
            _HEAD + "smtp=[1]",
            "smtp must be a list of tables",
        ),
        (
            _HEAD + "smtp=[{host='SMTP.X.TEST', port=587, security='starttls'}]",
            "lower-case name",
        ),
        (
            _HEAD + "smtp=[{host='smtp.x.test', port=587, security='ssl'}]",
            "'ssl' is not a valid",
        ),
        (
            _HEAD
            + _OK_SMTP
            + "\nincoming=[{protocol='nntp', host='x.test', port=119, security='tls'}]",
            "'nntp' is not a valid",
        ),
        (
            _HEAD + _OK_SMTP + "\n[[provider]]\nid='x'\nname='X'\nkind='mailbox'\n"
            "source='https://x.test'\nchecked='2026-11-27'\n" + _OK_SMTP,
            "duplicate provider ids: x",
        ),
        (_HEAD + _OK_SMTP + "\nspf_include='_spf.x.test'", "spf_include must be a list"),
        (_HEAD + _OK_SMTP + "\ndkim_selectors=[1]", "dkim_selectors must be a list"),
        ("not toml at all [", "not valid TOML"),
        ("title = 'no providers'", "no [[provider]] entries"),
    ],
)
def test_malformed_table_is_rejected_with_the_entry_named(document: str, message: str) -> None:
    with pytest.raises(ProviderTableError) as raised:
        load_providers(document)
    assert message in str(raised.value)


def test_docs_providers_md_is_current_and_lists_every_provider() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert text == render_markdown(), (
        "docs/providers.md is stale: run "
        ".venv/bin/python -m smtpwizard.core.discovery.providers_doc > docs/providers.md"
    )
    for provider in providers():
        assert f"(`{provider.id}`)" in text
        assert provider.info.checked in text


def test_deliverability_facts_of_the_big_providers() -> None:
    from smtpwizard.core.discovery.providers import provider_by_id

    google = provider_by_id("google-workspace")
    microsoft = provider_by_id("microsoft-365")
    assert google is not None and microsoft is not None
    assert (google.spf_include, google.dkim_selectors) == (("_spf.google.com",), ("google",))
    assert microsoft.spf_include == ("spf.protection.outlook.com",)
    assert microsoft.dkim_selectors == ("selector1", "selector2")


def test_the_indexed_lookup_gives_what_scanning_the_whole_table_gives():
    table = providers()
    names: set[str] = set()
    for provider in table:
        for pattern in (*provider.domains, *provider.mx):
            names.add(pattern.replace("*", "a.b"))
            names.add(pattern.replace("*", "x").upper() + ".")
            names.add("sub." + pattern.replace("*", "y"))
            names.add(pattern.replace("*", ""))  # "*" stands for at least one character
            names.add(pattern.replace("*", "mx-1") + "x")  # its literal end does not fit
    names |= {"nowhere.test", "gmail.com", "mx.nowhere.test", ""}
    assert len(names) > 300
    for name in sorted(names):
        assert match_domain(name) == match_domain(name, table), name
        assert match_mx(name) == match_mx(name, table), name
