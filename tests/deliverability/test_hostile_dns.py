"""Hostile DNS: huge TXT records, thousands of records, names that never answer.

Each gives a clear answer by the report's deadline (bounds are generous: a busy machine must not
fail them; what they catch is a check that waits for ever or ignores its deadline).
"""

from __future__ import annotations

import time

from smtpwizard.core.deliverability import CheckId, Status
from smtpwizard.core.deliverability.context import MAX_SHOWN

from .conftest import SERVER_IP, DeliverabilityLab


async def test_huge_txt_record_is_cut_when_shown(dlab: DeliverabilityLab) -> None:
    # Generous time: this is about size, and a busy machine must not turn it into a timeout.
    report = await dlab.report("hugetxt.test", dns_timeout=10.0, timeout=30.0)
    spf = report.check(CheckId.SPF)
    assert spf is not None and spf.status is Status.PASS  # the junk TXT beside it is ignored
    assert spf.record == f"v=spf1 ip4:{SERVER_IP} -all"
    assert ("tcp", "hugetxt.test", "TXT") in dlab.dns.queries  # it came over TCP, all of it


async def test_thousands_of_records(dlab: DeliverabilityLab) -> None:
    report = await dlab.report("thousands.test", dns_timeout=10.0, timeout=30.0)
    spf = report.check(CheckId.SPF)
    assert spf is not None and spf.status is Status.PASS


async def test_shown_records_are_capped() -> None:
    from smtpwizard.core.deliverability.context import shown

    text = shown(["x" * 60000, *(f"r{i}" for i in range(30))])
    assert text is not None
    lines = text.splitlines()
    assert len(lines) == 21 and lines[-1] == "… and 11 more records"
    assert len(lines[0]) < MAX_SHOWN + 40 and "(60000 characters in all)" in lines[0]
    assert shown(["bad\x1b[2Jterminal\x07"]) == "bad\u241b[2Jterminal\u2407"  # shown, not obeyed


async def test_a_resolver_that_never_answers(dlab: DeliverabilityLab) -> None:
    started = time.monotonic()
    report = await dlab.report("silent.test", timeout=3.0, dns_timeout=1.0)
    elapsed = time.monotonic() - started
    assert elapsed < 3.0 + 3.0
    for check_id in (CheckId.SPF, CheckId.DKIM, CheckId.DMARC, CheckId.MTA_STS, CheckId.TLS_RPT):
        check = report.check(check_id)
        assert check is not None and check.status is Status.WARN, check_id
        assert "did not answer" in check.explanation or "no answer" in check.explanation
    assert report.verdict.value == "at_risk"  # unknown is not "blocked" and not "good"


async def test_an_include_that_never_answers(dlab: DeliverabilityLab) -> None:
    started = time.monotonic()
    report = await dlab.report("slowinclude.test", timeout=4.0, dns_timeout=1.0)
    assert time.monotonic() - started < 4.0 + 3.0
    spf = report.check(CheckId.SPF)
    assert spf is not None and spf.status is Status.WARN
    assert "could not be evaluated in time" in spf.explanation
    assert dlab.dns.asked("never.slow.test", "TXT")


async def test_the_report_deadline_holds_while_pyspf_waits(dlab: DeliverabilityLab) -> None:
    # One DNS question may take longer than the whole report: the report still ends on time.
    started = time.monotonic()
    report = await dlab.report("slowinclude.test", timeout=1.5, dns_timeout=10.0)
    assert time.monotonic() - started < 1.5 + 3.0
    spf = report.check(CheckId.SPF)
    assert spf is not None and spf.status is Status.WARN


async def test_control_characters_in_records_never_reach_a_report(dlab: DeliverabilityLab) -> None:
    import json

    dlab.zone.records["norua.test"]["TXT"] = [f'"v=spf1 ip4:{SERVER_IP} \\027[2J -all"']
    dlab.zone.records["_dmarc.norua.test"]["TXT"] = [
        '"v=DMARC1; p=reject; rua=mailto:a@b\\027]0;x"'
    ]
    report = await dlab.report("norua.test")
    text = json.dumps(report.to_json(), ensure_ascii=False)
    assert "\x1b" not in text and "\u241b" in text  # the boundary shows ESC as a symbol
