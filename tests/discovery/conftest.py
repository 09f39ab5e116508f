"""A discovery lab: a real DNS server and real HTTPS/HTTP servers on loopback, trusted via trustme.

Every name the tests use resolves through the lab's DNS server (DiscoveryOptions.dns_server), so
autoconfig.DOMAIN, DOMAIN and the ISPDB host all point at 127.0.0.1; the web servers' ports reach
discovery through DiscoveryOptions.web_ports and the ISPDB URL. Nothing touches the system
resolver or any non-loopback address.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import trustme

from smtpwizard.core.discovery import DiscoveryOptions

from .servers import LOOPBACK, DnsServer, Route, Web, Zone

# Every name a test may fetch over https must be in the certificate.
TEST_DOMAINS = [
    "example.test", "other.test", "srvonly.test", "hosted.test", "bighost.test", "m365.test",
    "gws.test", "shop.test", "nowhere.test", "slow.test", "slowac.test", "hang.test",
    "hostile.test", "redir.test", "elsewhere.test", "plain.test", "example.co.uk", "acme.test",
    "xn--bcher-kva.test", "mxbase.test", "priority.test", "dup.test", "gmx.de",
]  # fmt: skip
CERT_NAMES = [
    "ispdb.test",
    "127.0.0.1",
    *TEST_DOMAINS,
    *(f"autoconfig.{d}" for d in TEST_DOMAINS),
]


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture(scope="session")
def server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*CERT_NAMES).configure_cert(context)
    return context


@dataclass
class DiscoveryLab:
    zone: Zone
    dns: DnsServer
    web: Web
    ca_file: Path

    def options(self, **changes: Any) -> DiscoveryOptions:
        base = DiscoveryOptions(
            dns_server=self.dns.address,
            ispdb_url=f"https://ispdb.test:{self.web.https_port}/v1.1/",
            web_ports=(self.web.https_port, self.web.http_port),
            ca_file=str(self.ca_file),
            dns_timeout=1.0,
            timeout=6.0,
        )
        return replace(base, **changes)

    def serve_config(self, url: str, xml: str | bytes, **route: Any) -> None:
        body = xml.encode() if isinstance(xml, str) else xml
        self.web.route(url, Route(body=body, **route))

    def ispdb(self, domain: str, xml: str, **route: Any) -> None:
        self.serve_config(f"https://ispdb.test/v1.1/{domain}", xml, **route)

    def host(self, *names: str) -> None:
        """Make names resolve to the loopback web servers."""
        for name in names:
            self.zone.add(name, "A", LOOPBACK)


@pytest.fixture
def lab(ca_file: Path, server_context: ssl.SSLContext) -> Iterator[DiscoveryLab]:
    zone = Zone()
    zone.add("ispdb.test", "A", LOOPBACK)
    with DnsServer(zone) as dns_server, Web(server_context) as web:
        yield DiscoveryLab(zone, dns_server, web, ca_file)
    # A socket discovery forgot to close fails the test: tests/conftest.py's nothing_left_open.


def client_config(
    *outgoing: tuple[str, int, str] | str,
    domain: str = "example.test",
    incoming: str = "",
    username: str = "%EMAILADDRESS%",
) -> str:
    """A clientConfig v1.1 document; outgoing items are (host, port, socketType) or raw XML."""
    servers = []
    for item in outgoing:
        if isinstance(item, str):
            servers.append(item)
            continue
        host, port, socket_type = item
        servers.append(
            f'<outgoingServer type="smtp"><hostname>{host}</hostname><port>{port}</port>'
            f"<socketType>{socket_type}</socketType><username>{username}</username>"
            "<authentication>password-cleartext</authentication></outgoingServer>"
        )
    return (
        '<?xml version="1.0"?>\n<clientConfig version="1.1">'
        f'<emailProvider id="{domain}"><domain>{domain}</domain>'
        f"<displayName>{domain} mail</displayName>{incoming}{''.join(servers)}"
        "</emailProvider></clientConfig>"
    )
