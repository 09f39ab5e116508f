"""A deliverability lab: a real DNS server and an HTTPS server (MTA-STS policies) on loopback.

The zone holds one small domain per case the issue names (good, no SPF, SPF not authorising the
server, too many lookups, include loop, weak DKIM key, no DMARC, p=reject without alignment,
MTA-STS good and broken, no PTR) plus hostile ones. Addresses in records are in 127.0.17.x
(this suite's loopback range); nothing connects to them except the MTA-STS fetches, which go
to the web server through the lab's DNS view.
"""

from __future__ import annotations

import base64
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import trustme
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from smtpwizard.core.deliverability import (
    DeliverabilityOptions,
    DeliverabilityReport,
    check_deliverability,
)
from tests.discovery.servers import LOOPBACK, DnsServer, Route, Web, Zone

SERVER_IP = "127.0.17.10"  # the SMTP server "we tested" in most cases
NOPTR_IP = "127.0.17.11"
V6_IP = "fd00:17::10"  # data only: nothing connects to it
# RFC 8463 appendix A's example public key
ED25519_KEY = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
STS_DOMAINS = [
    "good.test",
    "stsbroken.test",
    "ststype.test",
    "stsredirect.test",
    "stsmx.test",
    "ststesting.test",
    "stsnoid.test",
]


def txt(value: str) -> str:
    """A TXT rdata in zone-file text: strings of at most 255 bytes (RFC 1035 3.3.14)."""
    chunks = [value[i : i + 255] for i in range(0, len(value), 255)] or [""]
    return " ".join('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)


def dkim_record(bits: int) -> str:
    if bits >= 1024:
        public = rsa.generate_private_key(65537, bits).public_key()
    else:  # cryptography refuses to make short keys; a public modulus of that size is enough
        public = rsa.RSAPublicNumbers(65537, (1 << (bits - 1)) | 0xD7).public_key()
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}"


GOOD_POLICY = b"version: STSv1\nmode: enforce\nmx: mx.good.test\nmax_age: 604800\n"


def build_zone(strong_key: str, weak_key: str) -> Zone:
    z = Zone()

    def domain(
        name: str,
        spf: str | None,
        *,
        dkim: str | None = strong_key,
        dmarc: str | None = "v=DMARC1; p=quarantine; rua=mailto:dmarc@{d}",
    ) -> None:
        z.add(name, "MX", f"10 mx.{name}.")
        z.add(f"mx.{name}", "A", "127.0.17.30")
        z.add(name, "NS", "ns1.lab.test.")
        if spf is not None:
            z.add(name, "TXT", txt(spf))
        if dkim is not None:
            z.add(f"mail._domainkey.{name}", "TXT", txt(dkim))
        if dmarc is not None:
            z.add(f"_dmarc.{name}", "TXT", txt(dmarc.format(d=name)))

    # the SMTP server we test: forward and reverse DNS agree
    z.add("smtp.lab.test", "A", SERVER_IP)
    z.add("10.17.0.127.in-addr.arpa", "PTR", "smtp.lab.test.")
    z.add("noptr.lab.test", "A", NOPTR_IP)  # no PTR for 127.0.17.11
    z.add("liar.lab.test", "A", "127.0.17.12")
    z.add("12.17.0.127.in-addr.arpa", "PTR", "smtp.lab.test.")  # points at a name that is not it

    z.add("dual.lab.test", "A", SERVER_IP)
    z.add("dual.lab.test", "AAAA", V6_IP)

    domain("good.test", f"v=spf1 ip4:{SERVER_IP} -all")
    z.add("_mta-sts.good.test", "TXT", txt("v=STSv1; id=20261201"))
    z.add("_smtp._tls.good.test", "TXT", txt("v=TLSRPTv1; rua=mailto:tls@good.test"))
    z.add("mta-sts.good.test", "A", LOOPBACK)
    domain("nospf.test", None)
    # every kind of mechanism pyspf looks up: mx, a (A and AAAA), ptr, exists
    domain("mechs.test", "v=spf1 mx a:dual.lab.test ptr:lab.test exists:%{i}.x.mechs.test -all")
    domain("v6.test", f"v=spf1 ip4:{SERVER_IP} -all")  # the IPv6 address is not listed
    domain("rsa1024.test", f"v=spf1 ip4:{SERVER_IP} -all", dkim=dkim_record(1024))
    domain("ed25519.test", f"v=spf1 ip4:{SERVER_IP} -all", dkim=ED25519_KEY)
    domain("twodmarc.test", f"v=spf1 ip4:{SERVER_IP} -all")
    z.add("_dmarc.twodmarc.test", "TXT", txt("v=DMARC1; p=none; rua=mailto:a@twodmarc.test"))
    for name, sts, rpt in [
        ("ststesting.test", "v=STSv1; id=2", "v=TLSRPTv1; rua=https://reports.example/tls"),
        ("stsnoid.test", "v=STSv1;", "v=TLSRPTv1; rua=ftp://bad"),
    ]:
        domain(name, f"v=spf1 ip4:{SERVER_IP} -all")
        z.add(f"_mta-sts.{name}", "TXT", txt(sts))
        z.add(f"_smtp._tls.{name}", "TXT", txt(rpt))
        z.add(f"mta-sts.{name}", "A", LOOPBACK)
    domain("unauth.test", "v=spf1 ip4:192.0.2.0/24 -all")
    domain("softfail.test", "v=spf1 ip4:192.0.2.0/24 ~all")
    domain("neutral.test", "v=spf1 ip4:192.0.2.0/24 ?all")
    domain("question.test", f"v=spf1 ip4:{SERVER_IP} ?all")
    domain("plusall.test", "v=spf1 +all")
    domain("twospf.test", "v=spf1 ip4:192.0.2.1 -all")
    z.add("twospf.test", "TXT", txt(f"v=spf1 ip4:{SERVER_IP} -all"))
    domain("syntax.test", f"v=spf1 ip4:{SERVER_IP} ip4:192.0.2.300 bogus -all")
    domain(
        "many.test", " ".join(["v=spf1", *(f"include:s{i}.many.test" for i in range(12)), "-all"])
    )
    for i in range(12):
        z.add(f"s{i}.many.test", "TXT", txt(f"v=spf1 ip4:192.0.2.{i + 1} ?all"))
    domain("loop.test", f"v=spf1 include:loop.test ip4:{SERVER_IP} -all")
    domain("loopa.test", "v=spf1 include:loopb.test -all")
    z.add("loopb.test", "TXT", txt("v=spf1 include:loopa.test -all"))
    domain("void.test", "v=spf1 a:gone1.void.test a:gone2.void.test a:gone3.void.test -all")
    domain("weakdkim.test", f"v=spf1 ip4:{SERVER_IP} -all", dkim=weak_key)
    domain("revoked.test", f"v=spf1 ip4:{SERVER_IP} -all", dkim="v=DKIM1; k=rsa; p=")
    domain("nodkim.test", f"v=spf1 ip4:{SERVER_IP} -all", dkim=None)
    domain("nodmarc.test", f"v=spf1 ip4:{SERVER_IP} -all", dmarc=None)
    domain("norua.test", f"v=spf1 ip4:{SERVER_IP} -all", dmarc="v=DMARC1; p=none")
    domain("badmarc.test", f"v=spf1 ip4:{SERVER_IP} -all", dmarc="v=DMARC1; p=maybe")
    domain(
        "pct.test",
        f"v=spf1 ip4:{SERVER_IP} -all",
        dmarc="v=DMARC1; p=reject; pct=20; rua=mailto:d@{d}",
    )
    domain(
        "rejectnoalign.test",
        "v=spf1 ip4:192.0.2.0/24 -all",
        dkim=None,
        dmarc="v=DMARC1; p=reject; rua=mailto:dmarc@{d}",
    )
    z.add("sub.org.test", "MX", "10 mx.org.test.")
    z.add("_dmarc.org.test", "TXT", txt("v=DMARC1; p=none; rua=mailto:d@org.test"))
    z.add("sub.org.test", "TXT", txt(f"v=spf1 ip4:{SERVER_IP} -all"))
    for name in STS_DOMAINS[1:5]:
        domain(name, f"v=spf1 ip4:{SERVER_IP} -all")
        z.add(f"_mta-sts.{name}", "TXT", txt("v=STSv1; id=1"))
        z.add(f"mta-sts.{name}", "A", LOOPBACK)
    domain("nomx.test", f"v=spf1 ip4:{SERVER_IP} -all")
    del z.records["nomx.test"]["MX"]
    domain("nullmx.test", f"v=spf1 ip4:{SERVER_IP} -all")
    z.records["nullmx.test"]["MX"] = ["0 ."]
    # Google Workspace: the fix must keep what is there and add Google's include
    domain("gws.test", "v=spf1 ip4:198.51.100.7 ~all", dkim=None)
    z.records["gws.test"]["MX"] = ["1 aspmx.l.google.com."]
    z.add("google._domainkey.gws.test", "TXT", txt(strong_key))
    z.add("smtp.gmail.com", "A", "127.0.17.20")
    # hostile
    domain("hugetxt.test", f"v=spf1 ip4:{SERVER_IP} -all")
    z.add("hugetxt.test", "TXT", txt("x" * 60000))
    z.truncate_udp.add("hugetxt.test")
    domain("thousands.test", f"v=spf1 ip4:{SERVER_IP} -all")
    z.add("thousands.test", "TXT", *(txt(f"junk-{i}") for i in range(2000)))
    z.truncate_udp.add("thousands.test")
    z.add("silent.test", "NS", "ns1.lab.test.")
    z.silent.update(
        {"silent.test", "_dmarc.silent.test", "_mta-sts.silent.test", "_smtp._tls.silent.test"}
    )
    z.silent.update(
        f"{s}._domainkey.silent.test"
        for s in ("mail", "default", "selector1", "selector2", "google", "k1", "s1", "s2", "dkim")
    )
    domain("slowinclude.test", f"v=spf1 include:never.slow.test ip4:{SERVER_IP} -all")
    z.silent.add("never.slow.test")
    return z


@pytest.fixture(scope="session")
def keys() -> tuple[str, str]:
    return dkim_record(2048), dkim_record(512)


@pytest.fixture(scope="session")
def web_ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, Path]:
    ca = trustme.CA()
    path = tmp_path_factory.mktemp("delivca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*(f"mta-sts.{d}" for d in STS_DOMAINS)).configure_cert(context)
    return context, path


@dataclass
class DeliverabilityLab:
    zone: Zone
    dns: DnsServer
    web: Web
    ca_file: Path

    def options(self, **changes: Any) -> DeliverabilityOptions:
        base = DeliverabilityOptions(
            smtp_host="smtp.lab.test",
            dns_server=self.dns.address,
            ca_file=str(self.ca_file),
            web_ports=(self.web.https_port, self.web.http_port),
            dns_timeout=3.0,
            timeout=15.0,
        )
        return replace(base, **changes)

    async def report(self, domain: str, **changes: Any) -> DeliverabilityReport:
        return await check_deliverability(domain, self.options(**changes))


@pytest.fixture
def dlab(keys: tuple[str, str], web_ca: tuple[ssl.SSLContext, Path]) -> Iterator[DeliverabilityLab]:
    zone = build_zone(*keys)
    context, ca_file = web_ca
    with DnsServer(zone) as dns_server, Web(context) as web:
        policy = "/.well-known/mta-sts.txt"
        web.route(
            f"https://mta-sts.good.test{policy}", Route(GOOD_POLICY, content_type="text/plain")
        )
        # stsbroken.test: the TXT record is there, the policy file is not (404)
        web.route(
            f"https://mta-sts.ststype.test{policy}", Route(GOOD_POLICY, content_type="text/html")
        )
        web.route(
            f"https://mta-sts.stsredirect.test{policy}",
            Route(b"", status=302, headers={"Location": "https://mta-sts.good.test" + policy}),
        )
        web.route(
            f"https://mta-sts.stsmx.test{policy}", Route(GOOD_POLICY, content_type="text/plain")
        )
        testing = b"version: STSv1\nmode: testing\nmx: *.ststesting.test\nmax_age: 86400\n"
        web.route(
            f"https://mta-sts.ststesting.test{policy}", Route(testing, content_type="text/plain")
        )
        yield DeliverabilityLab(zone, dns_server, web, ca_file)
