"""Finding the outgoing (SMTP) server for an email address.

Sources, best first: our built-in provider table, the provider's autoconfig (https), Thunderbird's
ISPDB, the domain's MX, RFC 6186/8314 SRV records, autoconfig over plain http, guesses. All run
together; see runner.py for how the answer is decided and docs/providers.md for the table.
"""

from __future__ import annotations

from .clientconfig import ClientConfig, ClientConfigError, OutgoingEntry, parse_client_config
from .model import (
    DEFAULT_ISPDB_URL,
    Candidate,
    DiscoveryEvent,
    DiscoveryOptions,
    DiscoveryResult,
    ProviderFlag,
    ProviderInfo,
    ProviderKind,
    SourceKind,
    SourceReport,
    SourceStatus,
)
from .providers import Provider, match_domain, match_mx, match_smtp_host, provider_by_id, providers
from .runner import discover

__all__ = [
    "DEFAULT_ISPDB_URL",
    "Candidate",
    "ClientConfig",
    "ClientConfigError",
    "DiscoveryEvent",
    "DiscoveryOptions",
    "DiscoveryResult",
    "OutgoingEntry",
    "Provider",
    "ProviderFlag",
    "ProviderInfo",
    "ProviderKind",
    "SourceKind",
    "SourceReport",
    "SourceStatus",
    "discover",
    "match_domain",
    "match_mx",
    "match_smtp_host",
    "parse_client_config",
    "provider_by_id",
    "providers",
]
