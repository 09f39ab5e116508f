"""The sign-in kept in the operating system's keychain (core/credentials), and nowhere else.

One keychain entry per address, "oauth2:ADDRESS", holds everything needed to renew the token
without asking again: the endpoints, the client ID (and Google's client secret), the refresh
token and the current access token with its expiry. Profiles, exports and logs only ever say
"OAuth2". Every keychain call runs on its own thread with a deadline (credentials/calls.py), so
the wizard's event loop never waits on the keychain.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass

from .. import credentials
from ..errors import InputError
from ..inputs import refuse_control_characters
from .config import OAuthConfig
from .errors import OAuthFailure
from .flows import refresh_tokens, revoke_refresh_token
from .tokens import TokenSet

__all__ = [
    "SignIn",
    "fresh_access_token",
    "load_sign_in",
    "renewed_sign_in",
    "save_sign_in",
    "sign_out",
]


@dataclass(frozen=True, slots=True)
class SignIn:
    username: str
    config: OAuthConfig
    tokens: TokenSet

    def __repr__(self) -> str:
        return f"SignIn({self.username!r}, {self.config.label!r}, {self.tokens!r})"


def sign_in_key(username: str) -> str:
    username = (username or "").strip()
    if not username:
        raise InputError("Give the address you sign in with.", "username")
    refuse_control_characters(username, "address", "username")
    return f"oauth2:{username}"


def _encode(sign_in: SignIn) -> str:
    return json.dumps(
        {"version": 1, "config": sign_in.config.to_dict(), "tokens": sign_in.tokens.to_dict()}
    )


async def save_sign_in(sign_in: SignIn, timeout: float = credentials.DEFAULT_TIMEOUT) -> None:
    await credentials.save_password(sign_in_key(sign_in.username), _encode(sign_in), timeout)


async def load_sign_in(
    username: str, timeout: float = credentials.DEFAULT_TIMEOUT
) -> SignIn | None:
    """The kept sign-in, or None when there is none (or it cannot be read any more)."""
    raw = await credentials.load_password(sign_in_key(username), timeout)
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        return SignIn(
            username.strip(),
            OAuthConfig.from_dict(data["config"]),
            TokenSet.from_dict(data["tokens"]),
        )
    except (ValueError, KeyError, TypeError, InputError):
        return None  # written by something else, or damaged: treated as not signed in


async def fresh_access_token(
    username: str, timeout: float = credentials.DEFAULT_TIMEOUT
) -> tuple[str, SignIn]:
    """An access token valid for at least a minute, renewed (and re-kept) when needed."""
    sign_in = await load_sign_in(username, timeout)
    if sign_in is None:
        raise OAuthFailure("oauth_not_signed_in", "your provider", username=username)
    renewed = await renewed_sign_in(sign_in, timeout, keep=True)
    return renewed.tokens.access_token, renewed


async def renewed_sign_in(
    sign_in: SignIn, timeout: float = credentials.DEFAULT_TIMEOUT, *, keep: bool = False
) -> SignIn:
    """The same sign-in with a token valid for at least a minute. A renewed one is kept in
    the keychain at once (providers that rotate refresh tokens invalidate the old one); with
    keep=False that is best effort, for a wizard on a computer without a keychain."""
    if sign_in.tokens.fresh():
        return sign_in
    try:
        tokens = await refresh_tokens(sign_in.config, sign_in.tokens)
    except OAuthFailure as failure:
        failure.username = sign_in.username
        raise
    renewed = SignIn(sign_in.username, sign_in.config, tokens)
    try:
        await save_sign_in(renewed, timeout)
    except credentials.KeychainError:
        if keep:
            raise
    return renewed


async def sign_out(
    username: str, *, revoke: bool = True, timeout: float = credentials.DEFAULT_TIMEOUT
) -> bool:
    """Forget the sign-in (and ask the provider to revoke it); True if one was kept."""
    sign_in = await load_sign_in(username, timeout)
    try:
        if sign_in is not None and revoke:
            # Forgetting it here is what the user asked, even when the provider is offline.
            with contextlib.suppress(OAuthFailure):
                await revoke_refresh_token(sign_in.config, sign_in.tokens)
    finally:
        await credentials.delete_password(sign_in_key(username), timeout)
    return sign_in is not None
