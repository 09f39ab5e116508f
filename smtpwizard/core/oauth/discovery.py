"""OpenID Connect / RFC 8414 discovery: the endpoints from an issuer URL.

HTTPS only, no redirects, one deadline for the whole answer (httpx's own are per read), and a
cap on its size as it streams, with compressed answers refused (http.py), so neither a slow
nor a huge nor a compressed-bomb answer can hold the sign-in up.
The issuer in the document must be the one asked for (RFC 8414 section 3.3), so a document
served elsewhere cannot send the sign-in to another provider.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from typing import Any

import httpx

from ..errors import InputError
from .config import OAuthConfig, require_https
from .errors import OAuthFailure
from .http import AnswerRefused, capped_transport

__all__ = ["MAX_METADATA_BYTES", "discover_config"]

MAX_METADATA_BYTES = 256 * 1024
DISCOVERY_TIMEOUT = 10.0
_PATHS = ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server")


async def discover_config(
    issuer: str,
    client_id: str,
    *,
    scopes: tuple[str, ...],
    client_secret: str | None = None,
    ca_file: str | None = None,
    timeout: float = DISCOVERY_TIMEOUT,
) -> OAuthConfig:
    issuer = require_https(issuer, "issuer address").rstrip("/")
    context = ssl.create_default_context(cafile=ca_file) if ca_file else None
    metadata: dict[str, Any] | None = None
    reasons: list[str] = []
    async with httpx.AsyncClient(
        transport=capped_transport(context or True, MAX_METADATA_BYTES),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    ) as client:
        for path in _PATHS:
            try:
                # httpx's timeouts are per read: a trickling answer needs a deadline of its own.
                async with asyncio.timeout(timeout):
                    metadata = await _fetch(client, issuer + path)
                break
            except (_NotHere, AnswerRefused) as exc:
                reasons.append(str(exc))
            except TimeoutError as exc:
                raise OAuthFailure(
                    "oauth_provider_unreachable",
                    issuer,
                    f"{issuer + path} gave no complete answer within {timeout:g} s",
                ) from exc
            except (httpx.HTTPError, ssl.SSLError, OSError) as exc:
                raise OAuthFailure(
                    "oauth_provider_unreachable", issuer, f"{type(exc).__name__}: {exc}"
                ) from exc
    if metadata is None:
        raise OAuthFailure("oauth_provider_error", issuer, "; ".join(reasons))
    if str(metadata.get("issuer", "")).rstrip("/") != issuer:
        raise OAuthFailure(
            "oauth_provider_error",
            issuer,
            f"the document names another issuer ({str(metadata.get('issuer'))[:100]!r})",
        )
    try:
        return OAuthConfig(
            label=httpx.URL(issuer).host,
            authorization_endpoint=str(metadata["authorization_endpoint"]),
            token_endpoint=str(metadata["token_endpoint"]),
            scopes=scopes,
            client_id=client_id,
            client_secret=client_secret,
            device_authorization_endpoint=_optional(metadata, "device_authorization_endpoint"),
            revocation_endpoint=_optional(metadata, "revocation_endpoint"),
            issuer=str(metadata["issuer"]),
            ca_file=ca_file,
            # OpenID Connect Core section 11: offline_access is ignored without consent.
            authorize_params=(("prompt", "consent"),) if "offline_access" in scopes else (),
        )
    except KeyError as exc:
        raise OAuthFailure("oauth_provider_error", issuer, f"the document lacks {exc}") from exc
    except InputError as exc:
        if exc.field == "client_id":
            raise
        raise OAuthFailure("oauth_provider_error", issuer, exc.message) from exc


class _NotHere(Exception):
    pass


def _optional(metadata: dict[str, Any], name: str) -> str | None:
    value = metadata.get(name)
    return str(value) if isinstance(value, str) and value else None


async def _fetch(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    async with client.stream("GET", url, headers={"Accept": "application/json"}) as response:
        if response.status_code != 200:
            raise _NotHere(f"{url} answered HTTP {response.status_code}")
        body = await response.aread()  # capped by the transport (http.py)
    try:
        data = json.loads(bytes(body))
    except ValueError as exc:
        raise _NotHere(f"{url} is not JSON") from exc
    if not isinstance(data, dict):
        raise _NotHere(f"{url} is not a JSON object")
    return data
