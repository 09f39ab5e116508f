"""A token set as the identity provider gave it, with the one clock we trust for expiry."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

__all__ = ["TokenSet"]

# Refresh this long before the provider's expiry, so a check never starts with a dying token.
EXPIRY_MARGIN = 60.0


@dataclass(frozen=True, slots=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    expires_at: float | None  # our clock (time.time()), from the provider's expires_in
    scope: str = ""

    def __repr__(self) -> str:  # never print a token by accident
        left = "?" if self.expires_at is None else f"{self.expires_at - time.time():.0f}s"
        return f"TokenSet(<hidden>, refresh={'yes' if self.refresh_token else 'no'}, left={left})"

    def fresh(self, now: float | None = None, margin: float = EXPIRY_MARGIN) -> bool:
        if self.expires_at is None:
            return False  # unknown lifetime: refresh rather than guess
        return (now if now is not None else time.time()) + margin < self.expires_at

    @classmethod
    def from_response(cls, token: dict[str, Any], previous_refresh: str | None = None) -> TokenSet:
        expires_in = token.get("expires_in")
        expires_at = None
        if isinstance(expires_in, int | float) or (
            isinstance(expires_in, str) and expires_in.isdigit()
        ):
            expires_at = time.time() + float(expires_in)
        refresh = token.get("refresh_token") or previous_refresh
        return cls(
            access_token=str(token["access_token"]),
            # Providers that rotate refresh tokens send a new one; the others keep the old.
            refresh_token=str(refresh) if refresh else None,
            expires_at=expires_at,
            scope=str(token.get("scope") or ""),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
            "scope": self.scope,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TokenSet:
        expires = data.get("expires_at")
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=data.get("refresh_token") or None,
            expires_at=float(expires) if expires is not None else None,
            scope=str(data.get("scope") or ""),
        )
