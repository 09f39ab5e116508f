"""discover(): every source together, the priority rules, deadlines, early answers, cancellation."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from smtpwizard.core.discovery import (
    DiscoveryEvent,
    ProviderFlag,
    SourceKind,
    SourceStatus,
    discover,
)
from smtpwizard.core.errors import InputError
from smtpwizard.core.settings import IncomingProtocol, Security

from .conftest import DiscoveryLab, client_config
from .servers import Route, SilentTcp

AC = "/mail/config-v1.1.xml"


def only(*kinds: SourceKind) -> frozenset[SourceKind]:
    return frozenset(kinds)


# ---------------------------------------------------------------- each source on its own


async def test_provider_table_alone(lab: DiscoveryLab) -> None:
    result = await discover(
        "Someone@GMail.com", options=lab.options(sources=only(SourceKind.PROVIDER_TABLE))
    )
    assert result.email == "Someone@gmail.com"
    best = result.best
    assert best is not None and best.trusted and best.source is SourceKind.PROVIDER_TABLE
    assert (best.host, best.port, best.security) == ("smtp.gmail.com", 587, Security.STARTTLS)
    assert best.username == "Someone@gmail.com"
    assert result.provider is not None and result.provider.id == "gmail"
    assert any("app password" in note for note in result.notes)
    assert result.incoming is not None and result.incoming.host == "imap.gmail.com"
    assert result.candidates[0].to_settings() is not None
    skipped = [r.kind for r in result.sources if r.status is SourceStatus.SKIPPED]
    assert len(skipped) == 6 and SourceKind.PROVIDER_TABLE not in skipped


async def test_ispdb_alone_keeps_the_incoming_server(lab: DiscoveryLab) -> None:
    imap = (
        '<incomingServer type="imap"><hostname>imap.acme.test</hostname><port>993</port>'
        "<socketType>SSL</socketType><username>%EMAILADDRESS%</username></incomingServer>"
    )
    lab.ispdb("acme.test", client_config(("smtp.acme.test", 465, "SSL"), incoming=imap))
    result = await discover("bo@acme.test", options=lab.options(sources=only(SourceKind.ISPDB)))
    best = result.best
    assert best is not None and best.trusted and best.source is SourceKind.ISPDB
    assert best.incoming is not None
    assert result.incoming == best.incoming
    assert (result.incoming.protocol, result.incoming.host) == (
        IncomingProtocol.IMAP,
        "imap.acme.test",
    )
    assert result.incoming.username == "bo@acme.test"
    assert [r.path for r in lab.web.seen(host="ispdb.test")] == ["/v1.1/acme.test"]


async def test_guesses_alone_only_names_that_exist(lab: DiscoveryLab) -> None:
    lab.host("mail.acme.test", "acme.test")
    lab.zone.add("acme.test", "MX", "10 mx.acme-mail.test.")
    lab.host("mx.acme-mail.test")
    result = await discover("bo@acme.test", options=lab.options(sources=only(SourceKind.GUESS)))
    assert [(c.host, c.port, c.security, c.trusted) for c in result.candidates] == [
        ("mail.acme.test", None, None, False),
        ("acme.test", None, None, False),
        ("mx.acme-mail.test", None, None, False),
    ]
    assert "smtp.acme.test does not exist in DNS" in result.report(SourceKind.GUESS).reason
    assert result.candidates[0].to_settings() is None
    pinned = lab.options(sources=only(SourceKind.GUESS), resolve={"smtp.acme.test": "127.0.0.9"})
    result = await discover("bo@acme.test", options=pinned)
    assert result.candidates[0].host == "smtp.acme.test"


# ---------------------------------------------------------------- priority rules


async def test_priority_order_higher_source_wins_even_when_it_answers_last(
    lab: DiscoveryLab,
) -> None:
    d = "priority.test"
    lab.host(f"autoconfig.{d}", "smtp.priority.test")
    lab.serve_config(
        f"https://autoconfig.{d}{AC}",
        client_config(("ac.priority.test", 587, "STARTTLS")),
        delay=0.8,
    )
    lab.ispdb(d, client_config(("ispdb.priority.test", 587, "STARTTLS")), delay=0.3)
    lab.zone.add(d, "MX", "10 mx.mxhost.test.")
    lab.ispdb("mxhost.test", client_config(("smtp.mxhost.test", 587, "STARTTLS")))
    lab.zone.add(f"_submission._tcp.{d}", "SRV", "0 0 587 srv.priority.test.")
    started = time.monotonic()
    result = await discover("x@priority.test", options=lab.options(allow_http=False))
    elapsed = time.monotonic() - started
    assert elapsed >= 0.8  # waited for the best source, up to its deadline
    assert [(c.source, c.host) for c in result.candidates] == [
        (SourceKind.AUTOCONFIG, "ac.priority.test"),
        (SourceKind.ISPDB, "ispdb.priority.test"),
        (SourceKind.MX, "smtp.mxhost.test"),
        (SourceKind.SRV, "srv.priority.test"),
        (SourceKind.GUESS, "smtp.priority.test"),
    ]
    assert [c.priority for c in result.candidates] == sorted(c.priority for c in result.candidates)
    assert [c.trusted for c in result.candidates] == [True, True, False, False, False]


async def test_provider_table_beats_the_providers_own_autoconfig(lab: DiscoveryLab) -> None:
    lab.host("autoconfig.gmx.de")
    lab.serve_config(f"https://autoconfig.gmx.de{AC}", client_config(("other.gmx.de", 25, "plain")))
    result = await discover("hans@gmx.de", options=lab.options())
    assert result.best is not None and result.best.source is SourceKind.PROVIDER_TABLE
    assert result.best.host == "mail.gmx.net"
    assert (
        result.provider is not None
        and ProviderFlag.ENABLE_ACCESS_IN_SETTINGS in result.provider.flags
    )
    assert result.report(SourceKind.PROVIDER_TABLE).status is SourceStatus.FOUND


async def test_plain_http_beats_guesses(lab: DiscoveryLab) -> None:
    lab.host("autoconfig.plain.test", "smtp.plain.test")
    document = client_config(("smtp.plain.test", 587, "STARTTLS")).encode()
    guessed = threading.Event()

    def once_guessed() -> list[bytes]:
        # The document comes only once the guess source has finished: were it first, the
        # answer would be decided without the guesses (the lab's DNS thread answered them up
        # to 30 ms late, after the document, in one run in four).
        guessed.wait(10)
        return [document]

    def heard(event: DiscoveryEvent) -> None:
        if event.kind is SourceKind.GUESS and event.phase == "finished":
            guessed.set()

    lab.web.route(
        f"http://autoconfig.plain.test{AC}",
        Route(body=once_guessed, declared_length=len(document)),
    )
    result = await discover("a@plain.test", options=lab.options(), progress=heard)
    assert [(c.source, c.port) for c in result.candidates] == [
        (SourceKind.AUTOCONFIG_HTTP, 587),
        (SourceKind.GUESS, None),  # same host, but a different (unknown) port: kept
    ]


async def test_same_server_from_two_sources_is_listed_once(lab: DiscoveryLab) -> None:
    same = client_config(("smtp.dup.test", 465, "SSL"))
    lab.host("autoconfig.dup.test")
    lab.serve_config(f"https://autoconfig.dup.test{AC}", same, delay=0.3)
    lab.ispdb("dup.test", same)
    result = await discover(
        "a@dup.test", options=lab.options(sources=only(SourceKind.AUTOCONFIG, SourceKind.ISPDB))
    )
    assert len(result.candidates) == 1
    assert result.candidates[0].source is SourceKind.AUTOCONFIG
    assert "Also suggested by: from Thunderbird's database." in result.candidates[0].detail


# ---------------------------------------------------------------- DNS-derived sources


async def test_domain_where_only_srv_works(lab: DiscoveryLab) -> None:
    d = "srvonly.test"
    lab.zone.add(f"_submission._tcp.{d}", "SRV", "10 0 587 mail.provider-x.test.")
    lab.zone.add(
        f"_submissions._tcp.{d}",
        "SRV",
        "10 0 465 mail.provider-x.test.",
        "5 0 465 tls.provider-x.test.",
    )
    result = await discover("a@srvonly.test", options=lab.options())
    assert [(c.host, c.port, c.security, c.source, c.trusted) for c in result.candidates] == [
        ("tls.provider-x.test", 465, Security.TLS, SourceKind.SRV, False),
        ("mail.provider-x.test", 465, Security.TLS, SourceKind.SRV, False),
        ("mail.provider-x.test", 587, Security.STARTTLS, SourceKind.SRV, False),
    ]
    assert "_submissions._tcp.srvonly.test" in result.candidates[0].detail
    assert "Please confirm" in result.summary()
    higher = [r for r in result.sources if r.kind.rank < SourceKind.SRV.rank]
    assert all(r.status is SourceStatus.NOTHING for r in higher), higher


async def test_srv_dot_target_means_no_service(lab: DiscoveryLab) -> None:
    d = "srvonly.test"
    lab.zone.add(f"_submissions._tcp.{d}", "SRV", "0 0 0 .")
    lab.zone.add(f"_submission._tcp.{d}", "SRV", "0 0 587 smtp.srvonly.test.")
    result = await discover("a@srvonly.test", options=lab.options(sources=only(SourceKind.SRV)))
    assert [(c.port, c.security) for c in result.candidates] == [(587, Security.STARTTLS)]
    assert (
        "_submissions._tcp.srvonly.test says this service is not offered"
        in result.report(SourceKind.SRV).reason
    )


async def test_mx_at_protection_outlook_com_means_microsoft_365(lab: DiscoveryLab) -> None:
    lab.zone.add("m365.test", "MX", "0 m365-test.mail.protection.outlook.com.")
    result = await discover("boss@m365.test", options=lab.options())
    best = result.best
    assert best is not None
    assert (best.host, best.port, best.security) == ("smtp.office365.com", 587, Security.STARTTLS)
    assert best.source is SourceKind.MX and not best.trusted
    assert best.username == "boss@m365.test"
    assert "m365-test.mail.protection.outlook.com" in best.detail
    assert result.provider is not None and result.provider.id == "microsoft-365"
    assert ProviderFlag.SMTP_AUTH_OFF_BY_DEFAULT in best.flags
    assert any("SMTP AUTH" in n for n in result.notes)
    assert any("December 2026" in n for n in result.notes)
    assert result.incoming is not None and result.incoming.host == "outlook.office365.com"
    # the MX host of a known provider is not offered as a guess
    assert all("protection.outlook.com" not in c.host for c in result.candidates)


async def test_mx_at_google_com_means_google_workspace(lab: DiscoveryLab) -> None:
    lab.zone.add("gws.test", "MX", "1 aspmx.l.google.com.", "5 alt1.aspmx.l.google.com.")
    result = await discover("me@gws.test", options=lab.options())
    assert result.best is not None and result.best.host == "smtp.gmail.com"
    assert result.provider is not None and result.provider.id == "google-workspace"
    assert result.best.source is SourceKind.MX


async def test_mx_base_domain_is_public_suffix_aware(lab: DiscoveryLab) -> None:
    lab.zone.add("shop.test", "MX", "10 mx1.mail.example.co.uk.")
    lab.ispdb(
        "example.co.uk", client_config(("smtp.example.co.uk", 465, "SSL"), domain="example.co.uk")
    )
    result = await discover("a@shop.test", options=lab.options(sources=only(SourceKind.MX)))
    best = result.best
    assert best is not None and best.host == "smtp.example.co.uk" and not best.trusted
    assert "mx1.mail.example.co.uk (example.co.uk)" in best.detail
    asked = {r.path for r in lab.web.seen(host="ispdb.test")}
    assert "/v1.1/example.co.uk" in asked
    assert "/v1.1/co.uk" not in asked and "/v1.1/uk" not in asked
    assert lab.dns.asked("autoconfig.example.co.uk", "A")


async def test_mx_host_minus_first_label_is_asked_too(lab: DiscoveryLab) -> None:
    lab.zone.add("shop.test", "MX", "10 mx1.mail.example.co.uk.")
    lab.ispdb("mail.example.co.uk", client_config(("smtp.mail.example.co.uk", 587, "STARTTLS")))
    result = await discover("a@shop.test", options=lab.options(sources=only(SourceKind.MX)))
    assert result.best is not None and result.best.host == "smtp.mail.example.co.uk"


# ---------------------------------------------------------------- nothing, no SMTP, bad input


async def test_domain_where_nothing_answers_says_so_and_why(lab: DiscoveryLab) -> None:
    started = time.monotonic()
    result = await discover("who@nowhere.test", options=lab.options())
    assert time.monotonic() - started < 2.0
    assert not result.found and result.best is None
    assert "No outgoing server found for nowhere.test" in result.summary()
    assert [r.kind for r in result.sources] == list(SourceKind)
    for report in result.sources:
        assert report.status is SourceStatus.NOTHING, report
        assert report.reason
    assert "nowhere.test does not exist in DNS" in result.report(SourceKind.MX).reason
    assert "HTTP 404" in result.report(SourceKind.ISPDB).reason


async def test_provider_without_smtp_is_a_definite_answer(lab: DiscoveryLab) -> None:
    result = await discover("me@tutanota.com", options=lab.options())
    assert result.candidates == ()
    assert result.provider is not None and ProviderFlag.NO_SMTP in result.provider.flags
    assert "does not let other apps send mail" in result.summary()
    assert any("does not offer SMTP" in n for n in result.notes)


async def test_resolve_option_pins_a_name_to_an_address_and_still_checks_its_certificate(
    lab: DiscoveryLab,
) -> None:
    # The lab DNS does not know the name: only the curl-style resolve map can reach it.
    lab.serve_config(
        f"https://autoconfig.example.test{AC}", client_config(("smtp.example.test", 587, "SSL"))
    )
    options = lab.options(
        sources=only(SourceKind.AUTOCONFIG),
        resolve={"autoconfig.example.test": "127.0.0.1", "example.test": "127.0.0.1"},
    )
    result = await discover("a@example.test", options=options)
    assert result.best is not None and result.best.trusted
    assert not lab.dns.asked("autoconfig.example.test", "A")
    pinned_wrong = lab.options(
        sources=only(SourceKind.AUTOCONFIG),
        resolve={"autoconfig.uncert.test": "127.0.0.1", "uncert.test": "127.0.0.1"},
    )
    lab.serve_config(
        f"https://autoconfig.uncert.test{AC}", client_config(("smtp.example.test", 587, "SSL"))
    )
    result = await discover("a@uncert.test", options=pinned_wrong)
    assert not result.found
    assert "certificate is not valid" in result.report(SourceKind.AUTOCONFIG).reason


async def test_bad_ispdb_url_is_an_input_error(lab: DiscoveryLab) -> None:
    with pytest.raises(InputError) as raised:
        await discover("a@example.test", options=lab.options(ispdb_url="ispdb.test/v1.1"))
    assert raised.value.field == "ispdb_url"


@pytest.mark.parametrize("bad", ["", "no-at-sign", "a@b", "a@@b.test", "x\r\n@evil.test"])
async def test_bad_address_is_an_input_error(lab: DiscoveryLab, bad: str) -> None:
    with pytest.raises(InputError):
        await discover(bad, options=lab.options())
    assert lab.dns.queries == [] and lab.web.requests == []


async def test_idn_domain_uses_the_ascii_form_on_the_wire(lab: DiscoveryLab) -> None:
    lab.host("autoconfig.xn--bcher-kva.test")
    lab.serve_config(
        f"https://autoconfig.xn--bcher-kva.test{AC}",
        client_config(("smtp.%EMAILDOMAIN%", 587, "STARTTLS")),
    )
    result = await discover(
        "anna@Bücher.test", options=lab.options(sources=only(SourceKind.AUTOCONFIG))
    )
    assert result.domain == "xn--bcher-kva.test"
    assert result.best is not None and result.best.host == "smtp.xn--bcher-kva.test"
    assert lab.web.seen(host="autoconfig.xn--bcher-kva.test")
    assert not lab.dns.asked("xn--bcher-kva.test", "MX")  # MX and guesses were switched off


# ---------------------------------------------------------------- timing, deadlines, progress


async def test_slow_lower_sources_do_not_delay_the_answer(lab: DiscoveryLab) -> None:
    slow = 4.0
    lab.host("autoconfig.slow.test")
    lab.serve_config(
        f"https://autoconfig.slow.test{AC}", client_config(("smtp.slow.test", 587, "STARTTLS"))
    )
    lab.ispdb("slow.test", client_config(("x.slow.test", 587, "STARTTLS")), delay=slow)
    for name in ("slow.test", "_submission._tcp.slow.test", "_submissions._tcp.slow.test"):
        lab.zone.delays[name] = slow
    started = time.monotonic()
    result = await discover("a@slow.test", options=lab.options())
    elapsed = time.monotonic() - started
    assert elapsed < slow / 4, elapsed
    assert result.best is not None and result.best.source is SourceKind.AUTOCONFIG
    for kind in (SourceKind.ISPDB, SourceKind.MX, SourceKind.SRV, SourceKind.GUESS):
        report = result.report(kind)
        assert report.status is SourceStatus.PENDING, report
        assert "a better source had already answered" in report.reason


async def test_a_slow_higher_source_is_waited_for_up_to_its_deadline(lab: DiscoveryLab) -> None:
    lab.host("autoconfig.slowac.test")
    lab.serve_config(
        f"https://autoconfig.slowac.test{AC}",
        client_config(("ac.slowac.test", 587, "STARTTLS")),
        delay=3.0,
    )
    lab.ispdb("slowac.test", client_config(("ispdb.slowac.test", 587, "STARTTLS")))
    options = lab.options(
        sources=only(SourceKind.AUTOCONFIG, SourceKind.ISPDB),
        source_timeouts={SourceKind.AUTOCONFIG: 0.5},
    )
    started = time.monotonic()
    result = await discover("a@slowac.test", options=options)
    elapsed = time.monotonic() - started
    assert 0.5 <= elapsed < 1.5, elapsed
    assert result.best is not None and result.best.source is SourceKind.ISPDB
    report = result.report(SourceKind.AUTOCONFIG)
    assert report.status is SourceStatus.FAILED
    assert "within 0.5 s" in report.reason


async def test_overall_timeout_bounds_everything(lab: DiscoveryLab) -> None:
    for name in ("hang.test", "autoconfig.hang.test", "smtp.hang.test", "mail.hang.test",
                 "_submission._tcp.hang.test", "_submissions._tcp.hang.test"):  # fmt: skip
        lab.zone.silent.add(name)
    lab.web.route("https://ispdb.test/v1.1/hang.test", Route(hang=True))
    started = time.monotonic()
    result = await discover("a@hang.test", options=lab.options(timeout=1.0, dns_timeout=5.0))
    elapsed = time.monotonic() - started
    assert elapsed < 1.6, elapsed
    assert not result.found
    assert result.report(SourceKind.PROVIDER_TABLE).status is SourceStatus.NOTHING
    for kind in (SourceKind.AUTOCONFIG, SourceKind.ISPDB, SourceKind.MX, SourceKind.SRV):
        report = result.report(kind)
        assert report.status is SourceStatus.FAILED, report
        assert "1 s" in report.reason


async def test_progress_reports_each_source_start_and_finish(lab: DiscoveryLab) -> None:
    lab.ispdb("acme.test", client_config(("smtp.acme.test", 465, "SSL")))
    events: list[DiscoveryEvent] = []
    result = await discover(
        "a@acme.test", options=lab.options(allow_http=False), progress=events.append
    )
    for report in result.sources:
        mine = [e for e in events if e.kind is report.kind]
        finished = [e for e in mine if e.phase == "finished"]
        assert len(finished) == 1, mine
        assert finished[0].status is report.status
        if report.status is SourceStatus.SKIPPED:
            assert not [e for e in mine if e.phase == "started"]
        else:
            assert mine[0].phase == "started"
            assert mine[0].elapsed <= finished[0].elapsed
    assert result.report(SourceKind.AUTOCONFIG_HTTP).status is SourceStatus.SKIPPED


async def test_cancel_stops_everything_quickly_and_closes_connections(lab: DiscoveryLab) -> None:
    lab.host("autoconfig.hang.test")
    lab.web.route(f"https://autoconfig.hang.test{AC}", Route(hang=True))
    lab.zone.silent.add("hang.test")
    task = asyncio.create_task(discover("a@hang.test", options=lab.options(timeout=30.0)))
    assert await asyncio.to_thread(lab.web.hang_started.wait, 5)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 1.0
    # the server sees our side of the connection close
    assert await asyncio.to_thread(lab.web.client_closed.wait, 1.0)
    leftovers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert leftovers == []


async def test_cancel_during_a_tls_handshake_closes_the_socket(lab: DiscoveryLab) -> None:
    lab.host("autoconfig.hang.test")
    with SilentTcp() as silent:
        options = lab.options(
            sources=only(SourceKind.AUTOCONFIG), web_ports=(silent.port, lab.web.http_port)
        )
        task = asyncio.create_task(discover("a@hang.test", options=options))
        assert await asyncio.to_thread(silent.connected.wait, 5)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - started < 1.0
        # closed now, not whenever the garbage collector gets to it
        assert await asyncio.to_thread(silent.client_closed.wait, 1.0)
