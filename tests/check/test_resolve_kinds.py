"""A DNS server that does not answer is "unavailable" (offline), one that says NXDOMAIN is
"not_found": real DNS servers on loopback (tests/discovery/servers.py)."""

from __future__ import annotations

import asyncio
import socket

import pytest

from smtpwizard.core.net.resolve import ResolveError, ResolverConfig, resolve_host
from tests.discovery.servers import DnsServer, Zone


def test_silent_dns_server_is_unavailable() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        config = ResolverConfig(dns_server=("127.0.0.1", silent.getsockname()[1]))
        with pytest.raises(ResolveError) as caught:
            asyncio.run(resolve_host("smtp.example.test", 587, config, 0.6))
    assert caught.value.kind == "unavailable"
    assert "did not answer" in caught.value.detail


def test_nxdomain_is_not_found_and_an_answer_is_used() -> None:
    zone = Zone()
    zone.add("smtp.example.test", "A", "127.0.11.1")
    with DnsServer(zone) as dns:
        config = ResolverConfig(dns_server=dns.address)
        found = asyncio.run(resolve_host("smtp.example.test", 587, config, 3.0))
        assert found.addresses == ("127.0.11.1",)
        with pytest.raises(ResolveError) as caught:
            asyncio.run(resolve_host("nothing.example.test", 587, config, 3.0))
    assert caught.value.kind == "not_found"
