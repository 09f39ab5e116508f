"""Whether a host name belongs to the user's organisation, or to a stranger.

Why this exists: a suggestion that changes the server name moves the password. An attacker who
answers for smtp.victim.test with a valid certificate for their own name (mail.attacker.test)
used to get "use mail.attacker.test instead" as a one-click fix. Any host in another registrable
domain (Public Suffix List aware: bbc.co.uk, not co.uk) is a stranger unless it is a known
provider's server that this domain demonstrably uses: the email domain is that provider's own
(gmail.com -> smtp.gmail.com), or the domain's MX points at that provider (a custom domain with
MX at *.mail.protection.outlook.com -> smtp.office365.com). A stranger is never applied without
consent that names both domains.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from .discovery.domains import base_domain
from .discovery.providers import match_domain, match_mx, match_smtp_host

__all__ = ["Stranger", "domain_of", "is_ip_literal", "stranger_host"]


@dataclass(frozen=True, slots=True)
class Stranger:
    """A host in another organisation's domain than yours."""

    host: str
    host_domain: str  # the stranger's registrable domain (attacker.test)
    your_domain: str  # yours (victim.test): from the email address or the old server name

    def warning(self) -> str:
        """Plain words naming both domains, for the consent question and the command line."""
        return (
            f"{self.host} belongs to {self.host_domain}, not to {self.your_domain}. Signing in "
            f"there gives your password to whoever runs {self.host_domain}. Only use it if "
            f"{self.your_domain}'s provider told you that {self.host_domain} runs its mail "
            "(some hosting companies do); if you did not expect this, someone may be "
            "impersonating your server."
        )

    def consent_words(self) -> str:
        return f"Yes, {self.host_domain} runs the email of {self.your_domain}"


def is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def domain_of(address_or_host: str | None) -> str | None:
    """The registrable domain of an email address or host name (None for an IP or nothing)."""
    if not address_or_host:
        return None
    name = address_or_host.rsplit("@", 1)[-1].strip().rstrip(".").lower()
    if not name or is_ip_literal(name):
        return None
    return base_domain(name)


def stranger_host(
    host: str,
    *,
    old_host: str | None = None,
    email: str | None = None,
    mx_hosts: Iterable[str] = (),
) -> Stranger | None:
    """None when host belongs with old_host or the email's domain; else who it belongs to."""
    if is_ip_literal(host):
        # An address says nothing about who runs it: only the very same one is ours.
        if old_host and host == old_host:
            return None
        return Stranger(host, host, domain_of(email) or domain_of(old_host) or str(old_host))
    new = base_domain(host)
    ours = [d for d in (domain_of(email), domain_of(old_host)) if d]
    if new in ours:
        return None
    provider = match_smtp_host(host)
    if provider is not None:
        email_domain = (email or "").rsplit("@", 1)[-1].lower()
        if email_domain and match_domain(email_domain) is provider:
            return None
        if any(match_mx(mx) is provider for mx in mx_hosts):
            return None
        if old_host and match_smtp_host(old_host) is provider:
            return None
    your = ours[0] if ours else (old_host or "your domain")
    return Stranger(host, new, your)


async def judge_host_change(
    host: str,
    *,
    old_host: str,
    email: str | None,
    dns_server: tuple[str, int] | None,
    timeout: float,
) -> Stranger | None:
    """stranger_host(), asking DNS for the email domain's MX only when that can decide it
    (the new host is a known provider's server and nothing else shows the domain uses it)."""
    first = stranger_host(host, old_host=old_host, email=email)
    domain = (email or "").rsplit("@", 1)[-1].lower() if email and "@" in email else ""
    if first is None or not domain or match_smtp_host(host) is None:
        return first
    from .discovery.dns import Resolver

    answer = await Resolver(dns_server, timeout=timeout).mx(domain)
    mx_hosts = [record.host for record in answer.records if record.host]
    return stranger_host(host, old_host=old_host, email=email, mx_hosts=mx_hosts)
