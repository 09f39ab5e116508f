"""read_verdict on header blocks as real receivers write them (the chain test covers the
milters of Debian; these add Gmail-style ARC, Received-SPF only, forged and broken headers)."""

from __future__ import annotations

import json

from smtpwizard.core.deliverability import read_verdict

# As Gmail stamps a message forwarded through a list (shape of mx.google.com's headers).
GMAIL = b"""\
ARC-Seal: i=2; a=rsa-sha256; t=1700000000; cv=pass; d=google.com; s=arc-20160816; b=abc
ARC-Authentication-Results: i=2; mx.google.com;
       dkim=pass header.i=@lists.example header.s=k1 header.b=Xy1;
       spf=pass (google.com: domain of list@lists.example designates 198.51.100.1 as permitted
 sender) smtp.mailfrom=list@lists.example;
       dmarc=fail (p=NONE sp=NONE dis=NONE) header.from=shop.example
Authentication-Results: mx.google.com;
       dkim=pass header.i=@lists.example header.s=k1 header.b=Xy1;
       dkim=fail header.i=@shop.example header.s=s1 header.b=Q2;
       spf=pass (google.com: domain of list@lists.example designates 198.51.100.1 as permitted
 sender) smtp.mailfrom=list@lists.example;
       dmarc=fail (p=NONE sp=NONE dis=NONE) header.from=shop.example;
       arc=pass (i=1 spf=pass spfdomain=shop.example dkim=pass dkdomain=shop.example dmarc=pass
 fromdomain=shop.example)
ARC-Authentication-Results: i=1; mx.lists.example; spf=pass smtp.mailfrom=shop.example
Authentication-Results: mx.lists.example; spf=pass smtp.mailfrom=shop.example
Authentication-Results: mx.google.com; dkim=pass header.d=shop.example
From: Shop <news@shop.example>
Subject: Hello

"""


def test_gmail_style_headers_and_arc() -> None:
    verdict = read_verdict(GMAIL)
    assert verdict.authserv_id == "mx.google.com"
    assert verdict.outcome("dkim") == "pass"  # one of its two signatures passed
    assert verdict.outcome("spf") == "pass" and verdict.outcome("dmarc") == "fail"
    # the receiver's own headers, all of them (RFC 8601 cannot tell a later one it wrote from
    # one above its own); the lower mx.lists.example header is another server's
    assert [r.result for r in verdict.results if r.method == "dkim"] == ["pass", "fail", "pass"]
    assert any(r.method == "arc" and r.result == "pass" for r in verdict.results)
    assert all(r.authserv_id == "mx.google.com" for r in verdict.results)
    assert {r.source for r in verdict.arc} == {
        "ARC-Authentication-Results i=2",
        "ARC-Authentication-Results i=1",
    }
    assert verdict.summary() == "spf=pass, dkim=pass, dmarc=fail"
    assert "DMARC: fail" in verdict.explain("dmarc")
    assert verdict.to_json()["outcomes"] == {"spf": "pass", "dkim": "pass", "dmarc": "fail"}


def test_received_spf_only() -> None:
    verdict = read_verdict(
        b"Received-SPF: softfail (mx.example: transitioning domain of a.test does not "
        b"designate 192.0.2.9 as permitted sender) client-ip=192.0.2.9; "
        b"envelope-from=ann@a.test; helo=out.a.test; receiver=mx.example;\r\n"
        b"Subject: x\r\n\r\n"
    )
    spf = verdict.results[0]
    assert (spf.method, spf.result, spf.source) == ("spf", "softfail", "Received-SPF")
    assert spf.properties["client-ip"] == "192.0.2.9" and spf.authserv_id == "mx.example"
    assert verdict.outcome("dkim") is None and "did not check DKIM" in verdict.explain("dkim")


def test_nothing_stamped() -> None:
    verdict = read_verdict(b"Subject: x\r\n\r\nbody")
    assert verdict.authserv_id == "" and verdict.results == ()
    assert verdict.summary() == "spf=not checked, dkim=not checked, dmarc=not checked"
    assert verdict.explain("spf").startswith("The receiving server did not check SPF")


def test_broken_and_hostile_headers() -> None:
    message = (
        b"Authentication-Results: mx.example; spf=pass smtp.mailfrom=\x1b[2Jevil.test\r\n"
        b"Authentication-Results: ;;; ===\r\n"
        b"ARC-Authentication-Results: mx.example; spf=pass\r\n"
        b"Authentication-Results: mx.example; none\r\n"
        + b"".join(b"Authentication-Results: mx.example; dkim=none\r\n" for _ in range(500))
        + b"Subject: x\r\n\r\n"
    )
    verdict = read_verdict(message)
    assert verdict.outcome("spf") is None  # the escape makes that header unreadable to authres
    assert "\x1b" not in json.dumps(verdict.to_json())
    assert any("could not be read" in p for p in verdict.problems)
    assert any("no i= instance" in p for p in verdict.problems)
    assert len(verdict.results) <= 50  # at most 50 headers of a kind are read


def test_temporary_and_permanent_errors_in_plain_words() -> None:
    verdict = read_verdict(
        b"Authentication-Results: mx.example; spf=temperror smtp.mailfrom=a.test;"
        b" dkim=none; dmarc=permerror header.from=a.test\r\n\r\n"
    )
    assert "could not check SPF: temperror" in verdict.explain("spf")
    assert "found no DKIM" in verdict.explain("dkim")
    assert "could not check DMARC: permerror" in verdict.explain("dmarc")
