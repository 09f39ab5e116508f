"""What one sign-in needs: the identity platform's endpoints, the scopes and the client ID.

Three sources make one: the provider table (providers.py), the ISPDB/autoconfig <oAuth2>
block (discovery/clientconfig.py parses it), and OpenID discovery from an issuer URL
(discovery.py). The client ID is always the user's or their organisation's own registered app:
none is shipped. Every endpoint must be HTTPS, whatever the source says.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from ..discovery.clientconfig import OAuth2Block
from ..errors import InputError
from ..inputs import refuse_control_characters
from .providers import OAuthProvider

__all__ = ["OAuthConfig", "config_from_block", "config_from_provider", "require_https"]

_MAX_CLIENT_ID = 256


def require_https(url: str, what: str) -> str:
    """The URL, if it is an absolute https:// URL with a host; InputError otherwise."""
    refuse_control_characters(url, what)
    parts = urlsplit(url.strip())
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise InputError(f"The {what} must be an https:// address, not {url[:80]!r}.")
    if parts.username or parts.password:
        raise InputError(f"The {what} must not contain a name or password.")
    return url.strip()


def _check_client_id(client_id: str) -> str:
    client_id = (client_id or "").strip()
    if not client_id:
        raise InputError(
            "A client ID is needed: register an app with the provider (it takes a few "
            "minutes) and enter its client ID.",
            "client_id",
        )
    if len(client_id) > _MAX_CLIENT_ID:
        raise InputError("That client ID is too long to be real.", "client_id")
    refuse_control_characters(client_id, "client ID", "client_id")
    return client_id


@dataclass(frozen=True, slots=True)
class OAuthConfig:
    label: str  # "Microsoft", or the issuer's host name
    authorization_endpoint: str
    token_endpoint: str
    scopes: tuple[str, ...]
    client_id: str
    client_secret: str | None = None
    device_authorization_endpoint: str | None = None
    revocation_endpoint: str | None = None
    issuer: str | None = None
    ca_file: str | None = None  # a private CA (an organisation's or the tests'), never a bypass
    # Extra parameters for the sign-in page: Google's access_type=offline, or OpenID's
    # prompt=consent, without which offline_access (the refresh token) is ignored.
    authorize_params: tuple[tuple[str, str], ...] = ()
    redirect_host: str = "127.0.0.1"  # RFC 8252's choice; "localhost" where only that works
    provider_key: str | None = None  # "microsoft", "google": from the provider table

    def __post_init__(self) -> None:
        require_https(self.authorization_endpoint, "sign-in page address")
        require_https(self.token_endpoint, "token endpoint")
        for url, what in (
            (self.device_authorization_endpoint, "device sign-in address"),
            (self.revocation_endpoint, "sign-out address"),
        ):
            if url is not None:
                require_https(url, what)
        _check_client_id(self.client_id)
        if self.redirect_host not in ("127.0.0.1", "localhost"):
            raise InputError("The sign-in must come back to this computer (127.0.0.1).")
        if not self.scopes:
            raise InputError("No scope was given: the token would not allow sending mail.")
        for scope in self.scopes:
            refuse_control_characters(scope, "scope")
            if " " in scope:
                raise InputError(f"A scope cannot contain a space ({scope[:60]!r}).")

    @property
    def scope(self) -> str:
        return " ".join(self.scopes)

    def with_client(self, client_id: str, client_secret: str | None = None) -> OAuthConfig:
        return replace(self, client_id=client_id, client_secret=client_secret or None)

    def to_dict(self) -> dict[str, Any]:
        """Everything, including the client secret: only ever stored in the keychain."""
        return {
            "label": self.label,
            "authorization_endpoint": self.authorization_endpoint,
            "token_endpoint": self.token_endpoint,
            "scopes": list(self.scopes),
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "device_authorization_endpoint": self.device_authorization_endpoint,
            "revocation_endpoint": self.revocation_endpoint,
            "issuer": self.issuer,
            "ca_file": self.ca_file,
            "authorize_params": [list(p) for p in self.authorize_params],
            "redirect_host": self.redirect_host,
            "provider_key": self.provider_key,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OAuthConfig:
        return cls(
            label=str(data["label"]),
            authorization_endpoint=str(data["authorization_endpoint"]),
            token_endpoint=str(data["token_endpoint"]),
            scopes=tuple(str(s) for s in data["scopes"]),
            client_id=str(data["client_id"]),
            client_secret=data.get("client_secret") or None,
            device_authorization_endpoint=data.get("device_authorization_endpoint") or None,
            revocation_endpoint=data.get("revocation_endpoint") or None,
            issuer=data.get("issuer") or None,
            ca_file=data.get("ca_file") or None,
            authorize_params=tuple((str(k), str(v)) for k, v in data.get("authorize_params") or ()),
            redirect_host=str(data.get("redirect_host") or "127.0.0.1"),
            provider_key=data.get("provider_key") or None,
        )


def config_from_provider(
    provider: OAuthProvider, client_id: str, client_secret: str | None = None
) -> OAuthConfig:
    if provider.needs_client_secret and not client_secret:
        raise InputError(
            f"{provider.label} also asks for the client secret of your desktop app "
            "(it is shown next to the client ID).",
            "client_secret",
        )
    return OAuthConfig(
        label=provider.label,
        authorization_endpoint=provider.authorization_endpoint,
        token_endpoint=provider.token_endpoint,
        scopes=provider.scopes,
        client_id=client_id,
        client_secret=client_secret or None,
        device_authorization_endpoint=provider.device_authorization_endpoint,
        revocation_endpoint=provider.revocation_endpoint,
        issuer=provider.issuer,
        authorize_params=provider.authorize_params,
        redirect_host=provider.redirect_host,
        provider_key=provider.key,
    )


def config_from_block(
    block: OAuth2Block, client_id: str, client_secret: str | None = None
) -> OAuthConfig:
    """From an ISPDB/autoconfig <oAuth2> block; its scopes may cover IMAP and POP too."""
    if not block.auth_url or not block.token_url:
        raise InputError("The provider's OAuth2 details lack the sign-in or token address.")
    return OAuthConfig(
        label=block.issuer or (urlsplit(block.auth_url).hostname or "the provider"),
        authorization_endpoint=block.auth_url,
        token_endpoint=block.token_url,
        scopes=block.scopes,
        client_id=client_id,
        client_secret=client_secret or None,
        # The ISPDB names the issuer by host; only a URL can be checked against RFC 9207's iss.
        issuer=block.issuer if block.issuer and "://" in block.issuer else None,
    )
