"""The OAuth2 settings of the providers whose mail servers want it, as data.

Nothing here is ever contacted by the tests: the endpoints are checked for shape only. The
values are from the providers' public documentation: Microsoft identity platform "OAuth 2.0
authorization code flow" and "device authorization grant" pages and "Authenticate an IMAP,
POP or SMTP connection using OAuth" (scope https://outlook.office.com/SMTP.Send); Google
"OAuth 2.0 for Mobile & Desktop Apps" and the Gmail "IMAP, POP, and SMTP" page (scope
https://mail.google.com/, which the device flow does not allow).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["GOOGLE", "MICROSOFT", "PROVIDERS", "OAuthProvider", "provider_for_server"]

_TENANT = re.compile(r"^(common|organizations|consumers|[0-9a-f-]{36}|[a-z0-9.-]+\.[a-z]{2,})$")


@dataclass(frozen=True, slots=True)
class OAuthProvider:
    """Where and how to ask one identity platform for a mail-sending token."""

    key: str  # "microsoft", "google": the CLI's --provider value
    label: str  # "Microsoft", shown as "Sign in with Microsoft"
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    device_authorization_endpoint: str | None  # None: the device flow cannot get mail scopes
    revocation_endpoint: str | None
    scopes: tuple[str, ...]
    smtp_hosts: tuple[str, ...]  # outgoing servers that take this provider's tokens
    # Google's "Desktop app" clients have a secret that is not confidential but required.
    needs_client_secret: bool
    register_guide: tuple[str, ...]  # the short plain guide to registering a client ID
    authorize_params: tuple[tuple[str, str], ...] = ()
    redirect_host: str = "127.0.0.1"

    def for_tenant(self, tenant: str) -> OAuthProvider:
        """Microsoft only: an organisation's own tenant instead of "common"."""
        tenant = tenant.strip().lower()
        if self.key != "microsoft" or not _TENANT.match(tenant):
            raise ValueError(f"{tenant!r} is not a Microsoft tenant name or ID")

        def swap(url: str | None) -> str | None:
            return url.replace("/common/", f"/{tenant}/") if url else None

        return OAuthProvider(
            self.key,
            self.label,
            self.issuer.replace("/common/", f"/{tenant}/"),
            self.authorization_endpoint.replace("/common/", f"/{tenant}/"),
            self.token_endpoint.replace("/common/", f"/{tenant}/"),
            swap(self.device_authorization_endpoint),
            self.revocation_endpoint,
            self.scopes,
            self.smtp_hosts,
            self.needs_client_secret,
            self.register_guide,
            self.authorize_params,
            self.redirect_host,
        )


_MS = "https://login.microsoftonline.com/common"
MICROSOFT = OAuthProvider(
    key="microsoft",
    label="Microsoft",
    issuer=f"{_MS}/v2.0",
    authorization_endpoint=f"{_MS}/oauth2/v2.0/authorize",
    token_endpoint=f"{_MS}/oauth2/v2.0/token",
    device_authorization_endpoint=f"{_MS}/oauth2/v2.0/devicecode",
    revocation_endpoint=None,  # Microsoft has no RFC 7009 endpoint; sign-out forgets the token
    scopes=("https://outlook.office.com/SMTP.Send", "offline_access"),
    smtp_hosts=("smtp.office365.com", "smtp-mail.outlook.com"),
    needs_client_secret=False,
    register_guide=(
        "Open entra.microsoft.com, go to App registrations and choose New registration.",
        "Any name will do. Under Redirect URI choose 'Public client/native (mobile & desktop)' "
        "and enter http://localhost.",
        "Under Authentication turn on 'Allow public client flows' (only needed to sign in "
        "with a code on another device).",
        "Under API permissions add Office 365 Exchange Online > SMTP.Send (delegated), or "
        "ask your administrator to grant consent for the organisation.",
        "Copy the Application (client) ID from the Overview page: that is your client ID.",
    ),
    # A "Mobile and desktop" app registers http://localhost and Entra then accepts any port
    # (Microsoft identity platform, "Redirect URI restrictions": localhost, not 127.0.0.1).
    redirect_host="localhost",
)

GOOGLE = OAuthProvider(
    key="google",
    label="Google",
    issuer="https://accounts.google.com",
    authorization_endpoint="https://accounts.google.com/o/oauth2/v2/auth",
    token_endpoint="https://oauth2.googleapis.com/token",  # noqa: S106 (an address)
    device_authorization_endpoint=None,
    revocation_endpoint="https://oauth2.googleapis.com/revoke",
    scopes=("https://mail.google.com/",),
    smtp_hosts=("smtp.gmail.com",),
    needs_client_secret=True,
    register_guide=(
        "Open console.cloud.google.com, create a project and enable the Gmail API.",
        "Under 'Google Auth Platform' set up the consent screen (Internal for a Workspace "
        "organisation, or External with yourself as a test user) and add the scope "
        "https://mail.google.com/.",
        "Under Clients create a client of type 'Desktop app'.",
        "Copy its client ID and client secret (for desktop apps the secret is not secret, "
        "but Google asks for it).",
    ),
    # Google gives a refresh token only with access_type=offline, and again only with consent.
    authorize_params=(("access_type", "offline"), ("prompt", "consent")),
)

PROVIDERS: dict[str, OAuthProvider] = {p.key: p for p in (MICROSOFT, GOOGLE)}


def provider_for_server(host: str) -> OAuthProvider | None:
    """The identity platform whose tokens this outgoing server takes, if we know it."""
    host = host.strip().lower().rstrip(".")
    for provider in PROVIDERS.values():
        if host in provider.smtp_hosts:
            return provider
    return None
