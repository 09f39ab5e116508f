"""Signing in with OAuth2 (Microsoft 365, Outlook.com, Gmail, Google Workspace, any OpenID
provider): where the settings come from, getting and renewing tokens, keeping them in the
keychain. The SMTP side (XOAUTH2, OAUTHBEARER) is core/check/oauth_sasl.py.

providers.py  the providers' endpoints and scopes, as data
client_ids.py the client IDs entered, one per provider or issuer (not secrets: app state)
config.py     one sign-in's settings, from the table, an <oAuth2> block or discovery.py
flows.py      browser (PKCE + loopback.py) and device sign-in, refresh, revocation (authlib)
store.py      the keychain entry; fresh_access_token renews when needed
errors.py     every failure as a diagnosis code in plain words
offer.py      a discovered <oAuth2> block, judged for trust before the browser opens
http.py       the size cap and deadline on every answer from an identity provider
"""

from .client_ids import remember_client_id, remembered_client_ids
from .config import OAuthConfig, config_from_block, config_from_provider, require_https
from .discovery import discover_config
from .errors import OAuthFailure, classify_token_error
from .flows import (
    DeviceCode,
    browser_sign_in,
    device_sign_in,
    refresh_tokens,
    revoke_refresh_token,
)
from .offer import DiscoveredSignIn, discovered_sign_in, generic_guide
from .providers import GOOGLE, MICROSOFT, PROVIDERS, OAuthProvider, provider_for_server
from .store import (
    SignIn,
    fresh_access_token,
    load_sign_in,
    renewed_sign_in,
    save_sign_in,
    sign_out,
)
from .tokens import TokenSet

__all__ = [
    "GOOGLE",
    "MICROSOFT",
    "PROVIDERS",
    "DeviceCode",
    "DiscoveredSignIn",
    "OAuthConfig",
    "OAuthFailure",
    "OAuthProvider",
    "SignIn",
    "TokenSet",
    "browser_sign_in",
    "classify_token_error",
    "config_from_block",
    "config_from_provider",
    "device_sign_in",
    "discover_config",
    "discovered_sign_in",
    "fresh_access_token",
    "generic_guide",
    "load_sign_in",
    "provider_for_server",
    "refresh_tokens",
    "remember_client_id",
    "remembered_client_ids",
    "renewed_sign_in",
    "require_https",
    "revoke_refresh_token",
    "save_sign_in",
    "sign_out",
]
