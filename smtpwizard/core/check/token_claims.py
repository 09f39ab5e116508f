"""What an access token says about itself, read (never trusted) to explain a refusal.

Microsoft's and most identity providers' access tokens are JWTs (RFC 9068): three base64url
parts, the middle one a JSON object of claims such as `aud` (the service the token is for) and
`exp`. Nothing here verifies a signature: the server decided; this only reads what the token
claims so the diagnosis can say why the decision was likely. Google's tokens are opaque and
give nothing here.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from urllib.parse import urlsplit

from ..servertext import printable

__all__ = ["audience_mismatch"]

_MAX_TOKEN = 64 * 1024
# The audiences of Exchange Online's SMTP (Microsoft identity platform: the resource
# https://outlook.office.com, its older name, and the Office 365 Exchange Online app ID).
MAIL_AUDIENCES = frozenset(
    {
        "https://outlook.office.com",
        "https://outlook.office365.com",
        "00000002-0000-0ff1-ce00-000000000000",
    }
)


def _claims(token: str) -> dict[str, object]:
    parts = token.split(".")
    if len(parts) != 3 or len(token) > _MAX_TOKEN:
        return {}
    body = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        data = json.loads(base64.urlsafe_b64decode(body.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _site(name: str) -> str:
    # The last two labels: under a suffix like co.uk two services may look alike, and the
    # check then keeps to the general words (oauth_token_rejected), never to a wrong claim.
    labels = name.lower().rstrip(".").split(".")
    return ".".join(labels[-2:])


# Where JWTs name the person: RFC 9068's sub, OpenID's email and preferred_username, and
# Microsoft's upn and unique_name.
_IDENTITY_CLAIMS = ("sub", "email", "preferred_username", "upn", "unique_name")


def _names_another_address(claims: dict[str, object], username: str) -> bool:
    addresses = {
        str(claims[c]).casefold() for c in _IDENTITY_CLAIMS if "@" in str(claims.get(c, ""))
    }
    return bool(addresses) and username.casefold() not in addresses


def audience_mismatch(token: str, host: str, username: str) -> str | None:
    """The token's audience when it is most likely not the mail server `host`, else None.

    None when the token is not a JWT, has no audience, has expired or names another address
    than `username` (either explains a refusal by itself), or names a known mail audience or
    a service of the host's own domain.
    """
    claims = _claims(token)
    if _names_another_address(claims, username):
        return None
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    names = [str(a) for a in audiences if isinstance(a, str) and a]
    if not names:
        return None
    exp = claims.get("exp")
    if isinstance(exp, int | float) and exp < time.time():
        return None
    for name in names:
        if name.rstrip("/") in MAIL_AUDIENCES:
            return None
        audience_host = urlsplit(name).hostname or ""
        if audience_host and _site(audience_host) == _site(host):
            return None
    return printable(", ".join(names))[:200]
