"""Signing in with an identity provider that discovery found: an ISPDB or autoconfig <oAuth2>
block on the chosen server's candidate, judged before anyone's browser is sent there.

Why the care: the person types their password into the page the block names. The ISPDB is
curated (Thunderbird's), so its word is taken, though the host is still shown. An autoconfig
document comes from the domain itself (or whoever answers for it), a lower-trust source: when
it names a sign-in page outside the address's own organisation (organisations.py decides, as for
a server name), or came over plain http, the person must confirm in words that name both
domains, like the Finding page's confirmation. Always: https only, and the token address must
belong to the same organisation as the sign-in page (or both to one known identity platform),
or a document could send the code and its PKCE verifier to someone else.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from ..discovery.clientconfig import OAuth2Block
from ..discovery.model import Candidate, SourceKind
from ..discovery.providers import match_domain
from ..errors import InputError
from ..organisations import Stranger, domain_of, stranger_host
from .config import OAuthConfig, config_from_block, config_from_provider, require_https
from .providers import PROVIDERS, OAuthProvider

__all__ = ["DiscoveredSignIn", "discovered_sign_in", "generic_guide"]

# Identity platforms that use more than one registrable domain for one sign-in.
_PLATFORMS = (
    frozenset({"google.com", "googleapis.com"}),
    frozenset({"microsoftonline.com", "microsoft.com", "live.com"}),
)
_CURATED = frozenset({SourceKind.ISPDB, SourceKind.PROVIDER_TABLE})
_FROM = {
    SourceKind.PROVIDER_TABLE: "come from our built-in list",
    SourceKind.ISPDB: "come from Thunderbird's database",
    SourceKind.AUTOCONFIG: "were published by your email domain",
    SourceKind.AUTOCONFIG_HTTP: "were published by your email domain over an unencrypted "
    "connection",
}


def _within(host: str, domains: frozenset[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def same_organisation(first: str, second: str) -> bool:
    if (domain_of(first) or first) == (domain_of(second) or second):  # an IP is its own
        return True
    # By suffix: googleapis.com is itself a public suffix (Google Cloud's), so no base domain.
    return any(_within(first, p) and _within(second, p) for p in _PLATFORMS)


def _host(url: str, what: str) -> str:
    host = urlsplit(require_https(url, what)).hostname
    assert host is not None  # require_https refuses an address without one
    return host.lower()


@dataclass(frozen=True, slots=True)
class DiscoveredSignIn:
    """A sign-in a discovered <oAuth2> block offers, with who runs it and how far to trust it."""

    block: OAuth2Block
    smtp_host: str  # the candidate's server: the offer is for it only
    source: SourceKind
    trusted: bool  # the candidate's own trust (autoconfig over https; never plain http)
    host: str  # the sign-in page's host, shown plainly before the browser opens
    label: str  # "Yahoo", or the host: "Sign in with Yahoo"
    stranger: Stranger | None  # the sign-in page belongs to another organisation
    known: OAuthProvider | None = None  # the block names a platform in our own table

    @property
    def key(self) -> str:
        """Where the client ID is remembered: one per issuer."""
        return self.known.key if self.known else f"issuer:{self.block.issuer or self.host}"

    @property
    def needs_confirmation(self) -> bool:
        if self.source in _CURATED and self.trusted:
            return False
        return self.stranger is not None or not self.trusted

    @property
    def source_words(self) -> str:
        return _FROM.get(self.source, f"were found {self.source.label}")

    def where_words(self) -> str:
        return (
            f"Your browser will open {self.host} for you to sign in; these sign-in details "
            f"{self.source_words}. Type your password only on that page."
        )

    def warning(self) -> str:
        if self.stranger is not None:
            s = self.stranger
            whose = (
                f"is not part of {s.your_domain}"
                if s.host_domain == self.host
                else f"belongs to {s.host_domain}, not to {s.your_domain}"
            )
            return (
                f"The sign-in page {self.host} {whose}. What you type there goes to whoever "
                f"runs {s.host_domain}. Only go on if {s.your_domain}'s provider told you that "
                f"{s.host_domain} runs its sign-in; if you did not expect this, someone may be "
                "impersonating your provider."
            )
        return (
            f"These sign-in details {self.source_words}: anyone on the way could have changed "
            f"them. Only go on if you expected to sign in at {self.host}."
        )

    def consent_words(self) -> str:
        if self.stranger is not None:
            s = self.stranger
            return f"Yes, {s.host_domain} runs the sign-in for {s.your_domain}"
        return f"Yes, sign in at {self.host}"

    def config(self, client_id: str, client_secret: str | None = None) -> OAuthConfig:
        """The settings, when the block has both addresses (else resolve() by discovery)."""
        if self.known is not None:
            return config_from_provider(self.known, client_id, client_secret)
        config = config_from_block(self.block, client_id, client_secret)
        config = replace(config, label=self.label)
        if "offline_access" in config.scopes:  # OpenID Connect Core section 11
            config = replace(config, authorize_params=(("prompt", "consent"),))
        return config

    @property
    def needs_discovery(self) -> bool:
        return self.known is None and not (self.block.auth_url and self.block.token_url)

    async def resolve(
        self, client_id: str, client_secret: str | None = None, *, ca_file: str | None = None
    ) -> OAuthConfig:
        """The settings: from the block, or OpenID discovery of its issuer (whose sign-in and
        token addresses must then belong to the issuer's own organisation)."""
        from .discovery import discover_config
        from .errors import OAuthFailure

        if not self.needs_discovery:
            return replace(self.config(client_id, client_secret), ca_file=ca_file)
        config = await discover_config(
            _issuer_url(self.block.issuer or self.host),
            client_id,
            scopes=self.block.scopes,
            client_secret=client_secret,
            ca_file=ca_file,
        )
        for url in (config.authorization_endpoint, config.token_endpoint):
            if not same_organisation(_host(url, "address"), self.host):
                raise OAuthFailure(
                    "oauth_provider_error",
                    self.label,
                    f"{self.host}'s discovery document sends the sign-in to {url[:100]!r}, "
                    "another organisation; refused",
                )
        return replace(config, label=self.label)


def _issuer_url(issuer: str) -> str:
    # The ISPDB names the issuer by host (login.microsoftonline.com); OpenID wants a URL.
    return issuer if "://" in issuer else f"https://{issuer}"


def discovered_sign_in(candidate: Candidate, email: str | None) -> DiscoveredSignIn | None:
    """The sign-in the candidate's <oAuth2> block offers, or None (no block). InputError says
    in plain words why a block cannot be used (not https, two organisations, no scope)."""
    block = candidate.oauth2
    if block is None:
        return None
    if not block.scopes:
        raise InputError("The provider's sign-in details name no scope to ask for.")
    if block.auth_url or block.token_url:
        if not (block.auth_url and block.token_url):
            raise InputError("The provider's sign-in details lack the sign-in or token address.")
        host = _host(block.auth_url, "sign-in page address")
        token_host = _host(block.token_url, "token address")
        if not same_organisation(host, token_host):
            raise InputError(
                f"The provider's sign-in details send the sign-in to {host} but the code to "
                f"{token_host}, another organisation; they are not used."
            )
    elif block.issuer:
        host = _host(_issuer_url(block.issuer), "issuer address")
    else:
        raise InputError("The provider's sign-in details lack the sign-in address.")
    known = next(
        (
            p
            for p in PROVIDERS.values()
            if block.auth_url and _host(p.authorization_endpoint, "") == host
        ),
        None,
    )
    domain = domain_of(host)
    provider = match_domain(domain) if domain else None
    label = known.label if known else provider.info.name if provider else host
    return DiscoveredSignIn(
        block=block,
        smtp_host=candidate.host,
        source=candidate.source,
        trusted=candidate.trusted,
        host=host,
        label=label,
        stranger=stranger_host(host, email=email) if domain_of(email) else None,
        known=known,
    )


def generic_guide(offer: DiscoveredSignIn) -> tuple[str, ...]:
    """The plain registration guide for an identity provider we have no guide of our own for."""
    if offer.known is not None:
        return offer.known.register_guide
    return (
        f"Find where {offer.label} lets you register an app (its developer or admin pages "
        "may call it 'OAuth clients', 'API access' or 'app registrations'); your "
        "organisation's administrator may have one for you already.",
        "Register a desktop (also called 'native' or 'public') app, with the redirect "
        "address http://127.0.0.1 (any port).",
        "Allow it these permissions (scopes): " + ", ".join(offer.block.scopes) + ".",
        "Copy its client ID (and its client secret, if it shows one).",
    )
