"""The provider's autoconfig over https (and plain http as a last resort), against real servers.

Each hostile document must be refused with a reason a person can read, quickly, and the email
address must never leave the machine in a request.
"""

from __future__ import annotations

import socket
import time

import pytest

from smtpwizard.core.discovery import SourceKind, SourceStatus, discover, webfetch
from smtpwizard.core.discovery.dns import Resolver
from smtpwizard.core.discovery.webfetch import FetchError, WebFetcher
from smtpwizard.core.net.http1 import system_addresses as real_system_addresses
from smtpwizard.core.settings import Security

from .conftest import DiscoveryLab, client_config
from .servers import Route, repeated
from .test_clientconfig import BILLION_LAUGHS, EXTERNAL_ENTITY

AUTOCONFIG_ONLY = frozenset({SourceKind.AUTOCONFIG})
GOOD = client_config(("smtp.example.test", 587, "STARTTLS"), ("smtp.example.test", 465, "SSL"))


async def _autoconfig(lab: DiscoveryLab, email: str, **options: object):  # type: ignore[no-untyped-def]
    result = await discover(email, options=lab.options(sources=AUTOCONFIG_ONLY, **options))
    return result, result.report(SourceKind.AUTOCONFIG)


async def test_autoconfig_subdomain_document_gives_trusted_candidates_in_order(
    lab: DiscoveryLab,
) -> None:
    lab.host("autoconfig.example.test")
    lab.serve_config("https://autoconfig.example.test/mail/config-v1.1.xml", GOOD)
    result, report = await _autoconfig(lab, "ann@example.test")
    assert report.status is SourceStatus.FOUND
    assert [(c.host, c.port, c.security, c.trusted, c.username) for c in result.candidates] == [
        ("smtp.example.test", 587, Security.STARTTLS, True, "ann@example.test"),
        ("smtp.example.test", 465, Security.TLS, True, "ann@example.test"),
    ]
    assert result.candidates[0].source is SourceKind.AUTOCONFIG
    assert "autoconfig.example.test" in result.candidates[0].detail
    assert "belongs to" not in result.candidates[0].detail  # the domain's own server


async def test_well_known_document_is_used_when_the_subdomain_has_none(lab: DiscoveryLab) -> None:
    lab.host("example.test")  # autoconfig.example.test does not exist
    lab.serve_config("https://example.test/.well-known/autoconfig/mail/config-v1.1.xml", GOOD)
    result, report = await _autoconfig(lab, "ann@example.test")
    assert report.status is SourceStatus.FOUND
    assert result.candidates[0].host == "smtp.example.test"


async def test_autoconfig_pointing_at_another_company_is_kept_but_flagged(
    lab: DiscoveryLab,
) -> None:
    lab.host("autoconfig.hosted.test")
    lab.serve_config(
        "https://autoconfig.hosted.test/mail/config-v1.1.xml",
        client_config(("smtp.bighost.test", 465, "SSL"), ("smtp.office365.com", 587, "STARTTLS")),
    )
    result, _ = await _autoconfig(lab, "ann@hosted.test")
    first, second = result.candidates
    assert first.trusted and first.host == "smtp.bighost.test"
    assert "belongs to bighost.test, not to hosted.test" in first.detail
    assert "hosted by bighost.test" in first.detail
    # a server our table knows is named as that provider, with its notes and flags
    assert "hosted by Microsoft 365 (Exchange Online)" in second.detail
    assert second.provider_id == "microsoft-365"
    assert any("SMTP AUTH" in note for note in second.notes)


async def test_redirect_within_the_same_base_domain_is_followed(lab: DiscoveryLab) -> None:
    lab.host("autoconfig.redir.test")
    port = lab.web.https_port
    lab.web.route(
        "https://autoconfig.redir.test/mail/config-v1.1.xml",
        Route(status=301, headers={"Location": f"https://redir.test:{port}/real.xml"}),
    )
    lab.host("redir.test")
    lab.serve_config("https://redir.test/real.xml", GOOD)
    result, report = await _autoconfig(lab, "ann@redir.test")
    assert report.status is SourceStatus.FOUND, report.reason
    assert result.candidates[0].trusted
    assert "redir.test" in result.candidates[0].detail


# Shared by the autoconfig and ISPDB sources: the same fetcher and parser, both proven.
HOSTILE_DOCUMENTS = [
    (
        Route(body=repeated(b"<" * 65536, 50 * 1024 * 1024), declared_length=50 * 1024 * 1024),
        "offered a 50 MiB document",
    ),
    (
        Route(body=repeated(b"<" * 65536, 50 * 1024 * 1024), content_length=False),
        "sent more than 1 MiB; stopped reading and refused",
    ),
    (Route(body=BILLION_LAUGHS), "declares XML entities"),
    (Route(body=EXTERNAL_ENTITY), "declares XML entities"),
    (Route(body=GOOD.encode(), content_type="text/html"), "sent text/html instead of XML"),
    (Route(body=GOOD.encode(), content_type=None), "sent no content type instead of XML"),
    (Route(body=b"<clientConfig><emailProvider>"), "not well-formed XML"),
    (Route(body=GOOD.encode(), status=500), "answered HTTP 500"),
]
HOSTILE_IDS = [
        "50MB-declared", "50MB-streamed", "billion-laughs", "external-entity", "html",
        "no-type", "malformed", "http-500",
]  # fmt: skip


@pytest.mark.parametrize(("route", "reason"), HOSTILE_DOCUMENTS, ids=HOSTILE_IDS)
async def test_hostile_documents_are_refused_with_a_clear_reason(
    lab: DiscoveryLab, route: Route, reason: str
) -> None:
    lab.host("autoconfig.hostile.test")
    lab.web.route("https://autoconfig.hostile.test/mail/config-v1.1.xml", route)
    started = time.monotonic()
    result, report = await _autoconfig(lab, "ann@hostile.test")
    assert time.monotonic() - started < 3
    assert result.candidates == ()
    assert report.status is SourceStatus.FAILED
    assert reason in report.reason


@pytest.mark.parametrize(("route", "reason"), HOSTILE_DOCUMENTS, ids=HOSTILE_IDS)
async def test_hostile_ispdb_documents_are_refused_too(
    lab: DiscoveryLab, route: Route, reason: str
) -> None:
    lab.web.route("https://ispdb.test/v1.1/hostile.test", route)
    started = time.monotonic()
    result = await discover(
        "ann@hostile.test", options=lab.options(sources=frozenset({SourceKind.ISPDB}))
    )
    report = result.report(SourceKind.ISPDB)
    assert time.monotonic() - started < 3
    assert result.candidates == ()
    assert report.status is SourceStatus.FAILED
    assert reason in report.reason


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("http://autoconfig.redir.test:{http}/mail/config-v1.1.xml", "unencrypted address"),
        ("https://elsewhere.test:{https}/mail/config-v1.1.xml", "another domain (elsewhere.test)"),
        ("ftp://autoconfig.redir.test/x.xml", "unencrypted address"),
    ],
)
async def test_dangerous_redirects_are_refused_and_not_followed(
    lab: DiscoveryLab, location: str, reason: str
) -> None:
    lab.host("autoconfig.redir.test", "elsewhere.test")
    target = location.format(http=lab.web.http_port, https=lab.web.https_port)
    lab.web.route(
        "https://autoconfig.redir.test/mail/config-v1.1.xml",
        Route(status=302, headers={"Location": target}),
    )
    lab.serve_config("http://autoconfig.redir.test/mail/config-v1.1.xml", GOOD)
    lab.serve_config("https://elsewhere.test/mail/config-v1.1.xml", GOOD)
    result, report = await _autoconfig(lab, "ann@redir.test")
    assert result.candidates == ()
    assert report.status is SourceStatus.FAILED
    assert reason in report.reason and "refused" in report.reason
    assert lab.web.seen("http") == []
    assert lab.web.seen(host="elsewhere.test") == []


async def test_redirect_loop_gives_up(lab: DiscoveryLab) -> None:
    lab.host("autoconfig.redir.test")
    here = f"https://autoconfig.redir.test:{lab.web.https_port}/mail/config-v1.1.xml"
    lab.web.route(
        "https://autoconfig.redir.test/mail/config-v1.1.xml",
        Route(status=307, headers={"Location": here}),
    )
    _, report = await _autoconfig(lab, "ann@redir.test")
    assert report.status is SourceStatus.FAILED
    assert "too many redirects" in report.reason
    assert len(lab.web.seen(host="autoconfig.redir.test")) == 4


async def test_certificate_for_another_name_is_refused(lab: DiscoveryLab) -> None:
    # autoconfig.uncert.test resolves to the lab, whose certificate does not name it
    lab.host("autoconfig.uncert.test")
    lab.serve_config("https://autoconfig.uncert.test/mail/config-v1.1.xml", GOOD)
    result, report = await _autoconfig(lab, "ann@uncert.test")
    assert result.candidates == ()
    assert report.status is SourceStatus.FAILED
    assert "certificate is not valid" in report.reason


async def test_without_the_lab_ca_the_certificate_is_not_trusted(lab: DiscoveryLab) -> None:
    lab.host("autoconfig.example.test")
    lab.serve_config("https://autoconfig.example.test/mail/config-v1.1.xml", GOOD)
    _, report = await _autoconfig(lab, "ann@example.test", ca_file=None)
    assert report.status is SourceStatus.FAILED
    assert "certificate is not valid" in report.reason


async def test_not_found_everywhere_is_nothing_not_failure(lab: DiscoveryLab) -> None:
    lab.host("autoconfig.example.test")  # exists, but serves no document (404)
    _, report = await _autoconfig(lab, "ann@example.test")
    assert report.status is SourceStatus.NOTHING
    assert "not found (HTTP 404)" in report.reason
    assert "example.test does not exist in DNS" in report.reason


HTTP_BOTH = frozenset({SourceKind.AUTOCONFIG, SourceKind.AUTOCONFIG_HTTP})


async def test_plain_http_is_a_last_resort_untrusted_and_never_carries_the_address(
    lab: DiscoveryLab,
) -> None:
    lab.host("autoconfig.plain.test", "plain.test")
    lab.serve_config("http://autoconfig.plain.test/mail/config-v1.1.xml", GOOD)
    email = "secret.person@plain.test"
    result = await discover(email, options=lab.options(sources=HTTP_BOTH))
    assert result.report(SourceKind.AUTOCONFIG).status is SourceStatus.NOTHING
    assert result.report(SourceKind.AUTOCONFIG_HTTP).status is SourceStatus.FOUND
    best = result.candidates[0]
    assert best.source is SourceKind.AUTOCONFIG_HTTP and not best.trusted
    assert "Please confirm" in result.summary()
    http_requests = lab.web.seen("http")
    assert "/mail/config-v1.1.xml" in {r.path for r in http_requests}
    assert {r.path for r in http_requests} <= {
        "/mail/config-v1.1.xml",
        "/.well-known/autoconfig/mail/config-v1.1.xml",
    }
    # https came first: every https request precedes every http one
    https_requests = lab.web.seen("https")
    assert https_requests and lab.web.requests[: len(https_requests)] == https_requests
    for request in lab.web.requests:  # neither over http nor over https
        sent = request.path + " " + " ".join(f"{k}: {v}" for k, v in request.headers.items())
        assert "secret.person" not in sent and "%40" not in sent and "?" not in request.path


async def test_plain_http_not_tried_when_https_found_or_not_allowed(lab: DiscoveryLab) -> None:
    lab.host("autoconfig.plain.test")
    lab.serve_config("http://autoconfig.plain.test/mail/config-v1.1.xml", GOOD)
    result = await discover(
        "a@plain.test", options=lab.options(sources=HTTP_BOTH, allow_http=False)
    )
    assert result.candidates == ()
    report = result.report(SourceKind.AUTOCONFIG_HTTP)
    assert report.status is SourceStatus.SKIPPED and "plain http not allowed" in report.reason
    lab.serve_config("https://autoconfig.plain.test/mail/config-v1.1.xml", GOOD)
    result = await discover("a@plain.test", options=lab.options(sources=HTTP_BOTH))
    assert result.candidates[0].trusted
    assert result.report(SourceKind.AUTOCONFIG_HTTP).status in {
        SourceStatus.SKIPPED,
        SourceStatus.PENDING,
    }
    assert lab.web.seen("http") == []


async def test_http_redirect_to_https_is_followed_but_stays_untrusted(lab: DiscoveryLab) -> None:
    lab.host("autoconfig.plain.test")
    lab.web.route(
        "http://autoconfig.plain.test/mail/config-v1.1.xml",
        Route(
            status=301,
            headers={"Location": f"https://autoconfig.plain.test:{lab.web.https_port}/moved.xml"},
        ),
    )
    lab.serve_config("https://autoconfig.plain.test/moved.xml", GOOD)
    result = await discover("a@plain.test", options=lab.options(sources=HTTP_BOTH))
    best = result.candidates[0]
    assert best.source is SourceKind.AUTOCONFIG_HTTP
    assert not best.trusted  # the first hop could have been altered
    assert "moved.xml" in best.detail


async def test_plain_http_has_its_own_deadline_after_https(lab: DiscoveryLab) -> None:
    lab.host("autoconfig.plain.test")
    lab.web.route("http://autoconfig.plain.test/mail/config-v1.1.xml", Route(hang=True))
    options = lab.options(
        sources=HTTP_BOTH, source_timeouts={SourceKind.AUTOCONFIG_HTTP: 0.4}, timeout=5.0
    )
    started = time.monotonic()
    result = await discover("a@plain.test", options=options)
    assert time.monotonic() - started < 1.5
    report = result.report(SourceKind.AUTOCONFIG_HTTP)
    assert report.status is SourceStatus.FAILED
    assert report.reason == "no answer within 0.4 s"


async def test_an_ispdb_at_an_ip_address_is_not_looked_up_in_dns(lab: DiscoveryLab) -> None:
    lab.serve_config("https://127.0.0.1/v1.1/example.test", GOOD)
    url = f"https://127.0.0.1:{lab.web.https_port}/v1.1/"
    result = await discover(
        "ann@example.test",
        options=lab.options(sources=frozenset({SourceKind.ISPDB}), ispdb_url=url),
    )
    assert result.report(SourceKind.ISPDB).status is SourceStatus.FOUND
    assert result.candidates[0].host == "smtp.example.test"
    assert not lab.dns.asked("127.0.0.1", "A")


async def test_without_a_dns_server_the_systems_resolver_finds_the_host(
    lab: DiscoveryLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The path every real user takes (no --dns-server): the name goes to getaddrinfo. Only
    # its 127.0.0.0/8 answers are kept, so nothing else on this machine is ever a target.
    asked: list[str] = []

    async def loopback_only(host: str, port: int) -> tuple[str, ...]:
        asked.append(host)
        found = await real_system_addresses(host, port)
        return tuple(a for a in found if a.startswith("127."))

    monkeypatch.setattr(webfetch, "system_addresses", loopback_only)
    lab.serve_config("http://localhost/doc.xml", GOOD)
    options = lab.options(dns_server=None)
    async with WebFetcher(options, Resolver(None, 1.0)) as fetcher:
        fetched = await fetcher.get_xml(f"http://localhost:{lab.web.http_port}/doc.xml", timeout=5)
    assert fetched.data == GOOD.encode() and not fetched.encrypted
    assert asked == ["localhost"] and lab.web.seen("http", "localhost")


@pytest.mark.parametrize(
    ("errno", "missing", "reason"),
    [
        (socket.EAI_NONAME, True, "nowhere.test does not exist in DNS"),
        (socket.EAI_AGAIN, False, "nowhere.test: could not look it up"),
    ],
)
async def test_what_the_systems_resolver_says_is_told_apart(
    lab: DiscoveryLab, monkeypatch: pytest.MonkeyPatch, errno: int, missing: bool, reason: str
) -> None:
    async def fails(host: str, port: int) -> tuple[str, ...]:
        raise socket.gaierror(errno, "from getaddrinfo")

    monkeypatch.setattr(webfetch, "system_addresses", fails)
    async with WebFetcher(lab.options(dns_server=None), Resolver(None, 1.0)) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.get_xml("https://nowhere.test/doc.xml", timeout=5)
    assert caught.value.missing is missing and reason in caught.value.reason
