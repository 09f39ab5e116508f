"""Where a DNS fix is pasted and how long it takes to be seen, in plain words."""

from __future__ import annotations

from collections.abc import Sequence

from ..discovery.domains import host_matches

__all__ = ["SPREAD", "dns_host_name", "where_to_paste"]

# Resolvers keep an answer for its TTL; most zones use an hour or less, RFC 1035 caps nothing,
# and registrars commonly quote "up to 48 hours" for the worst case.
SPREAD = "usually within an hour; at most 48 hours, while old answers expire from caches"

# Name-server host patterns -> the DNS host people log in to. Taken from the NS names each
# service hands out ("*" = one or more labels, as in providers.toml).
_DNS_HOSTS: tuple[tuple[str, str], ...] = (
    ("*.ns.cloudflare.com", "Cloudflare"),
    ("*.domaincontrol.com", "GoDaddy"),
    ("*.registrar-servers.com", "Namecheap"),
    ("*.awsdns-*.com", "Amazon Route 53"),
    ("*.awsdns-*.net", "Amazon Route 53"),
    ("*.awsdns-*.org", "Amazon Route 53"),
    ("*.awsdns-*.co.uk", "Amazon Route 53"),
    ("*.googledomains.com", "Google Cloud DNS"),
    ("*.ui-dns.com", "IONOS"),
    ("*.ui-dns.de", "IONOS"),
    ("*.ui-dns.org", "IONOS"),
    ("*.ui-dns.biz", "IONOS"),
    ("*.azure-dns.com", "Microsoft Azure DNS"),
    ("*.dns-parking.com", "Hostinger"),
    ("*.ovh.net", "OVH"),
    ("*.gandi.net", "Gandi"),
    ("*.bluehost.com", "Bluehost"),
    ("*.siteground.net", "SiteGround"),
    ("*.dreamhost.com", "DreamHost"),
    ("*.squarespacedns.com", "Squarespace"),
    ("*.wixdns.net", "Wix"),
    ("*.digitalocean.com", "DigitalOcean"),
    ("*.linode.com", "Linode (Akamai)"),
    ("*.hetzner.com", "Hetzner"),
    ("*.strato.de", "STRATO"),
)


def dns_host_name(name_servers: Sequence[str]) -> str | None:
    """Who runs the domain's DNS, judged from its NS records; None when we do not know them."""
    for server in name_servers:
        for pattern, host in _DNS_HOSTS:
            if host_matches(server, pattern):
                return host
    return None


def where_to_paste(domain: str, dns_host: str | None) -> str:
    if dns_host:
        return (
            f"In the DNS settings of {domain} at {dns_host} (its name servers say {dns_host} "
            "runs the domain's DNS)."
        )
    return (
        f"In the DNS settings of {domain}, at the company that runs its DNS: usually where the "
        "domain was bought (the registrar) or the web host."
    )
