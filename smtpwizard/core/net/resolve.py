"""Finding the addresses to connect to: the system resolver, a DNS server, or --resolve."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass

from ..inputs import is_ip
from ..settings import ResolverConfig

__all__ = ["Resolution", "ResolveError", "ResolverConfig", "resolve_host"]


class ResolveError(Exception):
    """kind: "not_found" (the name does not exist: NXDOMAIN, EAI_NONAME), "unavailable" (no
    resolver answered: offline, DNS down, EAI_AGAIN, a silent DNS server), or "failed"."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Resolution:
    addresses: tuple[str, ...]
    how: str  # a few words for the step detail


def known_resolution(host: str, config: ResolverConfig) -> Resolution | None:
    """The host's addresses when nothing needs to be asked (an override, an IP address, or
    discovery's answer); None when a DNS server must be."""
    if host in config.overrides:
        ip = config.overrides[host]
        return Resolution((ip,), f"{host} → {ip} (given with --resolve)")
    if is_ip(host):
        return Resolution((host,), f"{host} is an IP address")
    if config.known.get(host):
        addresses = tuple(config.known[host])
        return Resolution(addresses, f"{host} → {', '.join(addresses)} (asked during discovery)")
    return None


async def resolve_host(host: str, port: int, config: ResolverConfig, timeout: float) -> Resolution:
    known = known_resolution(host, config)
    if known is not None:
        return known
    if config.dns_server is not None:
        addresses = await _resolve_with_server(host, config.dns_server, timeout)
        server = f"{config.dns_server[0]}:{config.dns_server[1]}"
        return Resolution(addresses, f"{host} → {', '.join(addresses)} (via DNS server {server})")
    addresses = await _resolve_with_system(host, port, timeout)
    return Resolution(addresses, f"{host} → {', '.join(addresses)}")


async def _resolve_with_server(
    host: str, server: tuple[str, int], timeout: float
) -> tuple[str, ...]:
    """A and AAAA asked at once (one round trip, not two); IPv4 first, as before."""
    from .dnsclient import DnsClient, DnsServersFailed, DnsTimeout
    from .dnswire import RCODE_NXDOMAIN, Answer, WireError

    client = DnsClient([server], attempt=min(timeout, 3.0))
    answers: list[Answer | BaseException] = await asyncio.gather(
        *(client.ask(host, rdtype, timeout) for rdtype in ("A", "AAAA")), return_exceptions=True
    )
    problems = [a for a in answers if isinstance(a, BaseException)]
    for problem in problems:
        if isinstance(problem, WireError):
            raise ResolveError("failed", f"{host} is not a valid host name ({problem})")
        if not isinstance(problem, DnsTimeout | DnsServersFailed | OSError):
            raise problem
    found = [r for a in answers if isinstance(a, Answer) for r in a.records]
    if found:  # an AAAA timeout must not fail a check that has its IPv4 address
        return tuple(dict.fromkeys(found))
    if any(isinstance(a, Answer) and a.rcode == RCODE_NXDOMAIN for a in answers):
        raise ResolveError("not_found", f"{host} does not exist in DNS")
    for problem in problems:
        # No answer at all is a DNS problem (offline, DNS down), not a name that is missing.
        if isinstance(problem, DnsTimeout):
            raise ResolveError("unavailable", f"the DNS server did not answer about {host}")
        raise ResolveError("unavailable", f"no DNS server could answer about {host}")
    raise ResolveError("not_found", f"{host} has no address records in DNS")


async def _resolve_with_system(host: str, port: int, timeout: float) -> tuple[str, ...]:
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except TimeoutError as exc:
        raise ResolveError("unavailable", f"looking up {host} took too long") from exc
    except socket.gaierror as exc:
        if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5)):
            raise ResolveError("not_found", f"{host} was not found ({exc.strerror})") from exc
        if exc.errno in (socket.EAI_AGAIN, getattr(socket, "EAI_FAIL", -4)):
            # "Temporary failure in name resolution": the resolver could not be asked or
            # did not answer. Offline or DNS down, not a wrong name.
            raise ResolveError("unavailable", f"looking up {host} failed ({exc.strerror})") from exc
        raise ResolveError("failed", f"looking up {host} failed ({exc.strerror})") from exc
    return tuple(dict.fromkeys(str(info[4][0]) for info in infos))
