"""The parts: record parsers, key reading, fixes, the verdict, pyspf's plug point."""

from __future__ import annotations

import time

import pytest
import spf

from smtpwizard.core.deliverability import Check, CheckId, Status, Verdict, spfeval, verdict_of
from smtpwizard.core.deliverability.context import Context
from smtpwizard.core.deliverability.dkim import read_key
from smtpwizard.core.deliverability.dmarc import parse_dmarc
from smtpwizard.core.deliverability.fixes import dns_host_name, where_to_paste
from smtpwizard.core.deliverability.mtasts import parse_policy
from smtpwizard.core.deliverability.spf import fixed_record
from smtpwizard.core.discovery.dns import Resolver

from .conftest import ED25519_KEY, SERVER_IP, V6_IP, DeliverabilityLab, dkim_record


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ("v=DMARC1; p=reject; rua=mailto:a@b.test", None),
        ("p=reject; v=DMARC1", "must start with v=DMARC1"),
        ("v=DMARC2; p=reject", "must start with v=DMARC1"),
        ("v=DMARC1; p=reject; pct=150", "pct= must be a number from 0 to 100"),
        ("v=DMARC1; p=reject; adkim=x", "adkim= must be r (relaxed) or s (strict)"),
        ("v=DMARC1; p=reject; rua=https://x.test", "rua= must list mailto: addresses"),
        ("v=DMARC1; p=reject; junk", "not tag=value"),
        ("v=DMARC1; p=réject", "not plain ASCII"),
    ],
)
def test_parse_dmarc(record: str, problem: str | None) -> None:
    result = parse_dmarc(record)
    if problem is None:
        assert isinstance(result, dict) and result["p"] == "reject"
    else:
        assert isinstance(result, str) and problem in result


@pytest.mark.parametrize(
    ("policy", "problem"),
    [
        ("version: STSv1\r\nmode: enforce\r\nmx: a.test\r\nmx: *.b.test\r\nmax_age: 1\r\n", None),
        ("version: STSv1\nmode: none\nmax_age: 86400\n", None),
        ("version: STSv2\nmode: enforce\nmx: a.test\nmax_age: 1\n", "version: STSv1"),
        ("version: STSv1\nmode: strict\nmx: a.test\nmax_age: 1\n", "'mode:' must be"),
        ("version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 99999999\n", "'max_age:'"),
        ("version: STSv1\nmode: enforce\nmax_age: 5\n", "no 'mx:' lines"),
        ("<html>version STSv1</html>", "is not 'key: value'"),
    ],
)
def test_parse_policy(policy: str, problem: str | None) -> None:
    result = parse_policy(policy)
    if problem is None:
        assert isinstance(result, dict) and result["version"] == ["STSv1"]
    else:
        assert isinstance(result, str) and problem in result


def test_read_key() -> None:
    assert read_key("s", dkim_record(2048)).bits == 2048
    ed = read_key("s", ED25519_KEY)
    assert (ed.key_type, ed.bits, ed.problem) == ("ed25519", 256, "")
    assert "not 32 bytes" in read_key("s", "v=DKIM1; k=ed25519; p=AAAA").problem
    assert "not 32 bytes" in read_key("s", "v=DKIM1; k=ed25519; p=!!!").problem
    assert "cannot be read" in read_key("s", "v=DKIM1; k=rsa; p=AAAA").problem
    assert "cannot be read" in read_key("s", "v=DKIM1; k=dsa; p=AAAA").problem
    assert "not a valid DKIM key" in read_key("s", "v=DKIM1; p=é").problem
    assert "not a valid DKIM key" in read_key("s", "v=DKIM1; p").problem
    assert "not for email" in read_key("s", dkim_record(1024) + "; s=other").problem


def test_dns_host_name_and_where() -> None:
    assert dns_host_name(["ns-1.awsdns-12.com", "x.test"]) == "Amazon Route 53"
    assert dns_host_name(["kim.ns.cloudflare.com"]) == "Cloudflare"
    assert dns_host_name(["ns1.example.test"]) is None
    assert "at Cloudflare" in where_to_paste("a.test", "Cloudflare")
    assert "registrar" in where_to_paste("a.test", None)


def _check(check_id: CheckId, status: Status, optional: bool = False) -> Check:
    return Check(check_id, status, f"{check_id.value.upper()}: x", "", optional=optional)


def test_verdict() -> None:
    base = [_check(i, Status.PASS) for i in (CheckId.SPF, CheckId.DKIM, CheckId.DMARC, CheckId.MX)]
    assert verdict_of(base)[0] is Verdict.GOOD
    optional_missing = [*base, _check(CheckId.MTA_STS, Status.MISSING, optional=True)]
    assert verdict_of(optional_missing)[0] is Verdict.GOOD
    no_dmarc = [*base[:2], _check(CheckId.DMARC, Status.MISSING), base[3]]
    verdict, summary = verdict_of(no_dmarc)
    assert verdict is Verdict.AT_RISK and "DMARC" in summary
    no_auth = [_check(CheckId.SPF, Status.FAIL), _check(CheckId.DKIM, Status.MISSING), *base[2:]]
    assert verdict_of(no_auth)[0] is Verdict.BLOCKED
    no_ptr = [*base, _check(CheckId.PTR, Status.FAIL)]
    assert verdict_of(no_ptr)[0] is Verdict.BLOCKED


def test_pyspf_keeps_its_own_lookup_outside_our_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, str]] = []

    def library(name: str, qtype: str, tcpfallback: bool, timeout: float) -> list[object]:
        seen.append((name, qtype))
        return []

    monkeypatch.setattr(spfeval, "_LIBRARY_LOOKUP", library)
    assert spf.DNSLookup("example.test", "TXT") == []
    assert seen == [("example.test", "TXT")]


def test_no_time_left_is_a_temporary_error() -> None:
    view = spfeval.SyncDns(("127.0.0.1", 9), time.monotonic() - 1, 1.0)
    result = spfeval.evaluate("example.test", SERVER_IP, view)
    assert result.result == "temperror" and result.timed_out
    assert view.asked == [("example.test", "TXT")]


def test_a_refused_dns_server_is_a_temporary_error() -> None:
    # Nothing listens on port 9 of this suite's own address: the lookup fails at once.
    view = spfeval.SyncDns(("127.0.17.1", 9), time.monotonic() + 5, 1.0)
    result = spfeval.evaluate("example.test", SERVER_IP, view)
    assert result.result == "temperror"


async def test_every_mechanism_that_looks_things_up(dlab: DeliverabilityLab) -> None:
    report = await dlab.report("mechs.test", smtp_host="dual.lab.test")
    spf_check = report.check(CheckId.SPF)
    assert spf_check is not None and report.addresses == (SERVER_IP, V6_IP)
    assert spf_check.details["results"] == {SERVER_IP: "pass", V6_IP: "pass"}
    assert spf_check.status is Status.PASS
    for name, qtype in [
        ("mechs.test", "MX"),
        ("dual.lab.test", "AAAA"),
        ("1.0.0.240.in-addr.arpa", "PTR"),
        ("240.0.0.1.x.mechs.test", "A"),
    ]:
        assert dlab.dns.asked(name, qtype), (name, qtype)  # fmt: skip


async def test_an_ipv6_address_not_listed(dlab: DeliverabilityLab) -> None:
    report = await dlab.report("v6.test", smtp_host="dual.lab.test")
    spf_check = report.check(CheckId.SPF)
    assert spf_check is not None and spf_check.status is Status.FAIL
    assert spf_check.fix is not None
    assert spf_check.fix.value == f"v=spf1 ip4:{SERVER_IP} ip6:{V6_IP} -all"
    ptr = report.check(CheckId.PTR)
    assert ptr is not None and ptr.status is Status.FAIL and V6_IP in ptr.explanation


async def test_dkim_key_sizes(dlab: DeliverabilityLab) -> None:
    mid = (await dlab.report("rsa1024.test")).check(CheckId.DKIM)
    assert mid is not None and mid.status is Status.WARN and "1024-bit" in mid.explanation
    ed = (await dlab.report("ed25519.test")).check(CheckId.DKIM)
    assert ed is not None and ed.status is Status.WARN and "Ed25519" in ed.explanation


async def test_two_dmarc_records(dlab: DeliverabilityLab) -> None:
    dmarc = (await dlab.report("twodmarc.test")).check(CheckId.DMARC)
    assert (
        dmarc is not None and dmarc.status is Status.FAIL and "2 DMARC records" in dmarc.explanation
    )


async def test_mta_sts_testing_mode_and_tls_rpt_https(dlab: DeliverabilityLab) -> None:
    report = await dlab.report("ststesting.test")
    sts = report.check(CheckId.MTA_STS)
    assert sts is not None and sts.status is Status.WARN and "'testing' mode" in sts.explanation
    assert sts.details["unmatched_mx"] == []  # *.ststesting.test covers mx.ststesting.test
    rpt = report.check(CheckId.TLS_RPT)
    assert rpt is not None and rpt.status is Status.PASS
    assert "https://reports.example/tls" in rpt.explanation


async def test_mta_sts_record_without_id_and_bad_tls_rpt(dlab: DeliverabilityLab) -> None:
    report = await dlab.report("stsnoid.test")
    sts = report.check(CheckId.MTA_STS)
    assert sts is not None and sts.status is Status.FAIL and "id=" in sts.explanation
    rpt = report.check(CheckId.TLS_RPT)
    assert rpt is not None and rpt.status is Status.FAIL


async def test_smtp_host_without_addresses(dlab: DeliverabilityLab) -> None:
    report = await dlab.report("good.test", smtp_host="gone.lab.test")
    ptr = report.check(CheckId.PTR)
    assert ptr is not None and ptr.status is Status.WARN and "has no address" in ptr.explanation


def _context(provider: str | None = None, addresses: tuple[str, ...] = ()) -> Context:
    from smtpwizard.core.discovery.providers import provider_by_id

    return Context(
        domain="a.test",
        smtp_host="smtp.a.test" if addresses else None,
        addresses=addresses,
        provider=provider_by_id(provider) if provider else None,
        provider_sends=provider is not None,
        dns_host=None,
        resolver=Resolver(("127.0.17.1", 9)),
        dns_server=("127.0.17.1", 9),
        dns_timeout=1.0,
        deadline=time.monotonic() + 5,
    )


@pytest.mark.parametrize(
    ("provider", "addresses", "record", "fixed"),
    [
        (
            "microsoft-365",
            (),
            "v=spf1 mx -all",
            "v=spf1 mx include:spf.protection.outlook.com -all",
        ),
        (
            "microsoft-365",
            (),
            "v=spf1 include:spf.protection.outlook.com ?all",
            "v=spf1 include:spf.protection.outlook.com ~all",
        ),
        (
            None,
            ("192.0.2.5",),
            "v=spf1 redirect=_spf.a.test",
            "v=spf1 ip4:192.0.2.5 redirect=_spf.a.test",
        ),
        (None, ("192.0.2.5",), "v=spf1 redirect=_spf.a.test -all", "v=spf1 ip4:192.0.2.5 -all"),
        (None, (), "v=spf1", "v=spf1 mx ~all"),
        (None, ("2001:db8::5", "2001:db8::5"), "v=spf1 +all", "v=spf1 ip6:2001:db8::5 ~all"),
        (
            "sendgrid",
            (),
            "v=spf1 MX include:sendgrid.net mx -all",
            "v=spf1 MX include:sendgrid.net -all",
        ),
    ],
)
def test_fixed_record(
    provider: str | None, addresses: tuple[str, ...], record: str, fixed: str
) -> None:
    assert fixed_record(_context(provider, addresses), record, addresses) == fixed
