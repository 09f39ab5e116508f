"""Compressed discovery documents are capped on what they expand to, not on what was sent.

Each run is a real `smtpwizard discover` in a child process (rss_probe.py reports its own peak
RSS) against a real HTTPS server (trustme certificate, verified) standing in for the ISPDB, and a
real DNS server that answers nothing for the domain (so the ISPDB is the only source). The
baseline child discovers a domain whose ISPDB document is plain and good; a bomb child may use at
most 20 MiB more. One DNS name is left unanswered so the discovery deadline, not the bomb, is what
ends every run: the run must still end on time.

Before the fix, httpx decoded each raw chunk completely (a 1.8 KB `gzip, gzip` reply became
gigabytes in one call while the event loop was blocked), and the size cap was checked after.
"""

from __future__ import annotations

import functools
import ssl
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trustme

from tests.discovery.servers import LOOPBACK, DnsServer, Route, Web, Zone

from .children import MIB, ChildRun, mib, run_child

TIMEOUT = 3.0  # the child's discovery deadline (--timeout)
OVERRUN = 0.5  # the discovery's own elapsed time may pass its deadline by at most this
DEADLINE_SLACK = 2.5  # interpreter start-up and exit on a loaded 2-core machine
RSS_MARGIN = 20 * MIB
GOOD_DOC = (
    b'<?xml version="1.0"?>\n<clientConfig version="1.1"><emailProvider id="good.test">'
    b"<domain>good.test</domain><displayName>Good mail</displayName>"
    b'<outgoingServer type="smtp"><hostname>smtp.good.test</hostname><port>587</port>'
    b"<socketType>STARTTLS</socketType><username>%EMAILADDRESS%</username>"
    b"<authentication>password-cleartext</authentication></outgoingServer>"
    b"</emailProvider></clientConfig>"
)


def _compress(chunks: Iterator[bytes], encoding: str) -> Iterator[bytes]:
    wbits = zlib.MAX_WBITS | 16 if encoding == "gzip" else zlib.MAX_WBITS
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    for chunk in chunks:
        out = packer.compress(chunk)
        if out:
            yield out
    yield packer.flush()


@functools.cache
def bomb(expanded_mib: int, encodings: tuple[str, ...]) -> bytes:
    """Zeros compressed once per encoding; encodings in Content-Encoding order (first applied
    first). Cached: stacked bombs share their inner layers, which take seconds to build."""
    if len(encodings) == 1:
        zeros = b"\0" * MIB
        return b"".join(_compress(iter([zeros] * expanded_mib), encodings[0]))
    inner = bomb(expanded_mib, encodings[:-1])
    return b"".join(_compress(iter([inner]), encodings[-1]))


@dataclass
class BombLab:
    web: Web
    dns: DnsServer
    ca_file: Path

    def args(self, email: str) -> list[str]:
        return [
            "discover",
            email,
            "--no-probe",
            "--json",
            "--dns-server",
            f"{self.dns.address[0]}:{self.dns.address[1]}",
            "--ca-file",
            str(self.ca_file),
            "--ispdb-url",
            f"https://{LOOPBACK}:{self.web.https_port}/v1.1/",
            "--timeout",
            str(TIMEOUT),
        ]


@pytest.fixture(scope="module")
def bomb_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BombLab]:
    ca = trustme.CA()
    ca_file = tmp_path_factory.mktemp("bomb-ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(LOOPBACK).configure_cert(context)
    zone = Zone()
    # Every domain's MX lookup goes unanswered: only the deadline can end a run.
    zone.silent.update({"good.test", "bomb.test"})
    with DnsServer(zone) as dns, Web(context) as web:
        web.route(f"https://{LOOPBACK}/v1.1/good.test", Route(body=GOOD_DOC))
        yield BombLab(web, dns, ca_file)


def _report(run: ChildRun) -> dict[str, Any]:
    report = run.report()
    assert run.status in (0, 1), run.stderr
    assert "Traceback" not in run.stderr
    return report


def _ispdb(report: dict[str, Any]) -> dict[str, Any]:
    [source] = [s for s in report["sources"] if s["source"] == "ispdb"]
    return source


@pytest.fixture(scope="module")
def baseline(bomb_lab: BombLab, tmp_path_factory: pytest.TempPathFactory) -> ChildRun:
    run = run_child(bomb_lab.args("ann@good.test"), tmp_path_factory.mktemp("bomb-baseline"))
    report = _report(run)
    assert _ispdb(report)["status"] == "found", report["sources"]
    assert report["candidates"][0]["host"] == "smtp.good.test"
    print(f"\nbaseline discover: peak RSS {mib(run.peak_rss)}, {report['elapsed']:.2f} s")
    return run


# (what the response says in Content-Encoding, how big the zeros are once fully decoded)
BOMBS = [
    (("gzip",), 256),
    (("deflate",), 256),
    (("gzip", "gzip"), 512),
    (("gzip", "deflate"), 512),
    (("gzip", "gzip", "gzip"), 512),
]


@pytest.mark.parametrize(("encodings", "expanded"), BOMBS, ids=[",".join(b[0]) for b in BOMBS])
def test_compressed_bomb_is_capped_while_decoding(
    bomb_lab: BombLab,
    baseline: ChildRun,
    tmp_path: Path,
    encodings: tuple[str, ...],
    expanded: int,
) -> None:
    body = bomb(expanded, encodings)
    assert len(body) < MIB  # small enough on the wire that only the decoded size can stop it
    bomb_lab.web.route(
        f"https://{LOOPBACK}/v1.1/bomb.test",
        Route(body=body, headers={"Content-Encoding": ", ".join(encodings)}),
    )
    run = run_child(bomb_lab.args("ann@bomb.test"), tmp_path)
    report = _report(run)
    source = _ispdb(report)
    print(
        f"\n{', '.join(encodings)} ({len(body)} bytes sent, {expanded} MiB decoded): peak RSS "
        f"{mib(run.peak_rss)} ({(run.peak_rss - baseline.peak_rss) / MIB:+.1f} MiB), "
        f"discovery {report['elapsed']:.2f} s, child {run.seconds:.2f} s; {source['reason']}"
    )
    assert run.peak_rss <= baseline.peak_rss + RSS_MARGIN
    assert report["elapsed"] < TIMEOUT + OVERRUN
    assert run.seconds < TIMEOUT + DEADLINE_SLACK
    assert source["status"] == "failed"
    if len(encodings) > 2:
        assert "stacks 3 content encodings; refused" in source["reason"]
    else:
        assert "expands to more than 1 MiB; stopped reading and refused" in source["reason"]
    assert report["candidates"] == []


def test_a_small_compressed_document_is_still_read(
    bomb_lab: BombLab, baseline: ChildRun, tmp_path: Path
) -> None:
    """The control: the same path decodes an honest gzip, gzip document."""
    body = b"".join(_compress(_compress(iter([GOOD_DOC]), "gzip"), "gzip"))
    bomb_lab.web.route(
        f"https://{LOOPBACK}/v1.1/good.test",
        Route(body=body, headers={"Content-Encoding": "gzip, gzip"}),
    )
    try:
        report = _report(run_child(bomb_lab.args("ann@good.test"), tmp_path))
    finally:
        bomb_lab.web.route(f"https://{LOOPBACK}/v1.1/good.test", Route(body=GOOD_DOC))
    assert _ispdb(report)["status"] == "found", report["sources"]
    assert report["candidates"][0]["host"] == "smtp.good.test"
