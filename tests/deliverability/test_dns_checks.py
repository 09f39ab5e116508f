"""Each case of the issue against a real DNS server (and HTTPS for MTA-STS) on loopback."""

from __future__ import annotations

import pytest

from smtpwizard.core.deliverability import CheckId, Status, Verdict
from smtpwizard.core.errors import InputError

from .conftest import SERVER_IP, DeliverabilityLab


async def test_good_domain_passes_everything(dlab: DeliverabilityLab) -> None:
    report = await dlab.report("good.test")
    assert {c.id: c.status for c in report.checks} == dict.fromkeys(
        [CheckId.SPF, CheckId.DKIM, CheckId.DMARC, CheckId.PTR, CheckId.MX, CheckId.MTA_STS,
         CheckId.TLS_RPT], Status.PASS)  # fmt: skip
    assert report.verdict is Verdict.GOOD
    assert report.addresses == (SERVER_IP,)
    spf = report.check(CheckId.SPF)
    assert spf is not None and spf.record == f"v=spf1 ip4:{SERVER_IP} -all"
    assert spf.details["results"] == {SERVER_IP: "pass"}
    dkim = report.check(CheckId.DKIM)
    assert dkim is not None and "2048-bit RSA" in dkim.explanation and "'mail'" in dkim.explanation
    sts = report.check(CheckId.MTA_STS)
    assert sts is not None and sts.details["mode"] == "enforce"
    assert dlab.web.seen("https", "mta-sts.good.test")[0].path == "/.well-known/mta-sts.txt"
    assert all(c.fix is None for c in report.checks)
    assert report.to_json()["verdict"] == "good"


async def test_no_spf_gets_a_record_for_the_server(dlab: DeliverabilityLab) -> None:
    report = await dlab.report("nospf.test")
    spf = report.check(CheckId.SPF)
    assert spf is not None and spf.status is Status.MISSING and spf.record is None
    assert spf.fix is not None and spf.fix.action == "add"
    assert (spf.fix.record_type, spf.fix.name) == ("TXT", "nospf.test")
    assert spf.fix.value == f"v=spf1 ip4:{SERVER_IP} ~all"
    assert "DNS settings of nospf.test" in spf.fix.where and "48 hours" in spf.fix.spread
    assert report.verdict is Verdict.AT_RISK  # DKIM still authenticates the mail


@pytest.mark.parametrize(
    ("domain", "status", "words", "value"),
    [
        ("unauth.test", Status.FAIL, "refuses it", "-all"),
        ("softfail.test", Status.FAIL, "suspicious", "~all"),
        ("neutral.test", Status.WARN, "says nothing", "~all"),
    ],
)
async def test_spf_not_authorising_the_server(
    dlab: DeliverabilityLab, domain: str, status: Status, words: str, value: str
) -> None:
    spf = (await dlab.report(domain)).check(CheckId.SPF)
    assert spf is not None and spf.status is status
    assert words in spf.explanation and "smtp.lab.test" in spf.explanation
    assert spf.fix is not None
    assert spf.fix.value == f"v=spf1 ip4:192.0.2.0/24 ip4:{SERVER_IP} {value}"


async def test_question_all_and_plus_all(dlab: DeliverabilityLab) -> None:
    question = (await dlab.report("question.test")).check(CheckId.SPF)
    assert (
        question is not None and question.status is Status.WARN and "?all" in question.explanation
    )
    assert question.fix is not None and question.fix.value == f"v=spf1 ip4:{SERVER_IP} ~all"
    plus = (await dlab.report("plusall.test")).check(CheckId.SPF)
    assert plus is not None and plus.status is Status.FAIL and "+all" in plus.explanation
    assert plus.fix is not None and plus.fix.value == f"v=spf1 ip4:{SERVER_IP} ~all"


async def test_several_spf_records_are_merged(dlab: DeliverabilityLab) -> None:
    spf = (await dlab.report("twospf.test")).check(CheckId.SPF)
    assert spf is not None and spf.status is Status.FAIL and "2 SPF records" in spf.explanation
    assert spf.record is not None and len(spf.record.splitlines()) == 2
    assert spf.fix is not None  # both records' terms in one, in the order DNS gave them
    assert sorted(spf.fix.value.split()) == ["-all", f"ip4:{SERVER_IP}", "ip4:192.0.2.1", "v=spf1"]


async def test_syntax_error_is_named_and_repaired(dlab: DeliverabilityLab) -> None:
    spf = (await dlab.report("syntax.test")).check(CheckId.SPF)
    assert spf is not None and spf.status is Status.FAIL
    assert "Invalid IP4 address: ip4:192.0.2.300" in spf.explanation
    assert spf.fix is not None and spf.fix.value == f"v=spf1 ip4:{SERVER_IP} -all"


async def test_too_many_lookups_counts_them(dlab: DeliverabilityLab) -> None:
    spf = (await dlab.report("many.test")).check(CheckId.SPF)
    assert spf is not None and spf.status is Status.FAIL
    assert "needs 12 DNS lookups" in spf.explanation and spf.details["lookups"] == 12
    assert spf.fix is not None and spf.fix.action == "other" and "include:" in spf.fix.summary


@pytest.mark.parametrize("domain", ["loop.test", "loopa.test"])
async def test_include_loop(dlab: DeliverabilityLab, domain: str) -> None:
    spf = (await dlab.report(domain)).check(CheckId.SPF)
    assert spf is not None and spf.status is Status.FAIL and "a loop" in spf.explanation
    assert spf.fix is not None
    if domain == "loop.test":  # it includes itself directly: the fix drops that include
        assert spf.fix.value == f"v=spf1 ip4:{SERVER_IP} -all"


async def test_void_lookups(dlab: DeliverabilityLab) -> None:
    spf = (await dlab.report("void.test")).check(CheckId.SPF)
    assert spf is not None and spf.status is Status.FAIL and "do not exist" in spf.explanation


async def test_google_workspace_fix_keeps_mechanisms_and_adds_google(
    dlab: DeliverabilityLab,
) -> None:
    report = await dlab.report("gws.test", smtp_host="smtp.gmail.com")
    assert report.provider == "Google Workspace"
    spf = report.check(CheckId.SPF)
    assert spf is not None and spf.status is Status.FAIL
    assert spf.fix is not None
    assert spf.fix.value == "v=spf1 ip4:198.51.100.7 include:_spf.google.com ~all"
    assert "Google Workspace" in spf.fix.summary
    dkim = report.check(CheckId.DKIM)  # found at Google's selector from the provider table
    assert dkim is not None and dkim.status is Status.PASS and "'google'" in dkim.explanation
    # The same domain sending through another server: that server's address, not Google's.
    other = (await dlab.report("gws.test")).check(CheckId.SPF)
    assert other is not None and other.fix is not None
    assert other.fix.value == f"v=spf1 ip4:198.51.100.7 ip4:{SERVER_IP} ~all"


async def test_weak_and_revoked_and_missing_dkim(dlab: DeliverabilityLab) -> None:
    weak = (await dlab.report("weakdkim.test")).check(CheckId.DKIM)
    assert weak is not None and weak.status is Status.FAIL and "512-bit RSA" in weak.explanation
    assert weak.details["keys"] == [{"selector": "mail", "type": "rsa", "bits": 512, "problem": ""}]
    assert weak.fix is not None and "2048-bit" in weak.fix.summary
    revoked = (await dlab.report("revoked.test")).check(CheckId.DKIM)
    assert (
        revoked is not None and revoked.status is Status.FAIL and "revoked" in revoked.explanation
    )
    missing = (await dlab.report("nodkim.test", selectors=["brand"])).check(CheckId.DKIM)
    assert missing is not None and missing.status is Status.MISSING
    assert missing.details["selectors_tried"][0] == "brand"
    assert "The selector you named (brand) has no key" in missing.explanation
    assert dlab.dns.asked("brand._domainkey.nodkim.test", "TXT")


async def test_user_named_selector_is_found(dlab: DeliverabilityLab) -> None:
    dlab.zone.add("brand._domainkey.nodkim.test", "TXT", dlab.zone.records[
        "mail._domainkey.good.test"]["TXT"][0])  # fmt: skip
    dkim = (await dlab.report("nodkim.test", selectors=["Brand"])).check(CheckId.DKIM)
    assert dkim is not None and dkim.status is Status.PASS and "'brand'" in dkim.explanation


async def test_dmarc_cases(dlab: DeliverabilityLab) -> None:
    missing = (await dlab.report("nodmarc.test")).check(CheckId.DMARC)
    assert missing is not None and missing.status is Status.MISSING
    assert missing.fix is not None and missing.fix.name == "_dmarc.nodmarc.test"
    assert missing.fix.value == "v=DMARC1; p=none; rua=mailto:dmarc-reports@nodmarc.test"
    norua = (await dlab.report("norua.test")).check(CheckId.DMARC)
    assert norua is not None and norua.status is Status.WARN and "rua=" in norua.explanation
    bad = (await dlab.report("badmarc.test")).check(CheckId.DMARC)
    assert bad is not None and bad.status is Status.FAIL and "'maybe'" in bad.explanation
    pct = (await dlab.report("pct.test")).check(CheckId.DMARC)
    assert pct is not None and pct.status is Status.WARN and "only 20%" in pct.explanation
    inherited = (await dlab.report("sub.org.test")).check(CheckId.DMARC)
    assert inherited is not None and inherited.status is Status.PASS
    assert inherited.details["inherited_from"] == "org.test"


async def test_reject_without_alignment_blocks_own_mail(dlab: DeliverabilityLab) -> None:
    report = await dlab.report("rejectnoalign.test")
    dmarc = report.check(CheckId.DMARC)
    assert dmarc is not None and dmarc.status is Status.FAIL and "refuse" in dmarc.explanation
    assert dmarc.fix is not None
    assert dmarc.fix.value == "v=DMARC1; p=none; rua=mailto:dmarc@rejectnoalign.test"
    assert report.verdict is Verdict.BLOCKED


async def test_dmarc_report_address_is_the_senders(dlab: DeliverabilityLab) -> None:
    from smtpwizard.core.deliverability import check_deliverability

    report = await check_deliverability("nodmarc.test", dlab.options(), email="ann@nodmarc.test")
    dmarc = report.check(CheckId.DMARC)
    assert dmarc is not None and dmarc.fix is not None
    assert dmarc.fix.value == "v=DMARC1; p=none; rua=mailto:ann@nodmarc.test"


@pytest.mark.parametrize(
    ("domain", "status", "words"),
    [
        ("stsbroken.test", Status.FAIL, "not found (HTTP 404)"),
        ("ststype.test", Status.FAIL, "sent text/html instead of text"),
        ("stsredirect.test", Status.FAIL, "redirect; refused"),
        ("stsmx.test", Status.FAIL, "does not list your mail server(s) mx.stsmx.test"),
        ("nospf.test", Status.MISSING, "No MTA-STS policy"),
    ],
)
async def test_mta_sts_broken(
    dlab: DeliverabilityLab, domain: str, status: Status, words: str
) -> None:
    report = await dlab.report(domain)
    sts = report.check(CheckId.MTA_STS)
    assert sts is not None and sts.status is status and words in sts.explanation
    assert sts.optional and sts.fix is not None and f"mx: mx.{domain}" in sts.fix.summary


async def test_mta_sts_certificate_must_verify(dlab: DeliverabilityLab) -> None:
    sts = (await dlab.report("good.test", ca_file=None)).check(CheckId.MTA_STS)
    assert sts is not None and sts.status is Status.FAIL and "certificate" in sts.explanation


async def test_ptr_missing_and_not_confirmed(dlab: DeliverabilityLab) -> None:
    report = await dlab.report("good.test", smtp_host="noptr.lab.test")
    ptr = report.check(CheckId.PTR)
    assert ptr is not None and ptr.status is Status.FAIL and "no reverse DNS" in ptr.explanation
    assert ptr.fix is not None and ptr.fix.record_type == "PTR"
    assert report.verdict is Verdict.BLOCKED
    liar = (await dlab.report("good.test", smtp_host="liar.lab.test")).check(CheckId.PTR)
    assert liar is not None and liar.status is Status.FAIL
    assert "does not point back" in liar.explanation
    direct = (await dlab.report("good.test", smtp_host=SERVER_IP)).check(CheckId.PTR)
    assert direct is not None and direct.status is Status.PASS


async def test_no_smtp_host_skips_ptr_and_evaluates_for_strangers(dlab: DeliverabilityLab) -> None:
    report = await dlab.report("good.test", smtp_host=None)
    assert report.check(CheckId.PTR) is None and report.addresses == ()
    spf = report.check(CheckId.SPF)
    assert spf is not None and spf.status is Status.PASS and "no sending server" in spf.explanation


async def test_mx_missing_and_null(dlab: DeliverabilityLab) -> None:
    nomx = (await dlab.report("nomx.test")).check(CheckId.MX)
    assert nomx is not None and nomx.status is Status.WARN and "no MX record" in nomx.explanation
    null = (await dlab.report("nullmx.test")).check(CheckId.MX)
    assert null is not None and null.status is Status.WARN and "null MX" in null.explanation


@pytest.mark.parametrize("domain", ["", "127.0.0.1", "localhost", "exa mple.test"])
async def test_bad_domain_is_refused(dlab: DeliverabilityLab, domain: str) -> None:
    with pytest.raises(InputError):
        await dlab.report(domain)


async def test_an_email_address_means_its_domain(dlab: DeliverabilityLab) -> None:
    assert (await dlab.report("ann@good.test")).domain == "good.test"
