"""The settings model every part of smtpwizard shares: what a user configures and what we verify."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Self


class Security(StrEnum):
    """How the connection is encrypted. Names are the CLI's; labels are the user's."""

    STARTTLS = "starttls"  # plain connection upgraded with STARTTLS, upgrade REQUIRED
    TLS = "tls"  # implicit TLS from the first byte ("SSL/TLS", port 465)
    NONE = "none"  # no encryption at all: an explicit, informed choice

    @property
    def label(self) -> str:
        return _SECURITY_LABELS[self]


_SECURITY_LABELS = {
    Security.STARTTLS: "STARTTLS",
    Security.TLS: "SSL/TLS",
    Security.NONE: "None (unencrypted)",
}

# The seed's port advice, in order of preference: used for ranking, help text and alternatives.
RECOMMENDED_PORTS: tuple[tuple[int, Security], ...] = (
    (587, Security.STARTTLS),
    (465, Security.TLS),
    (2525, Security.STARTTLS),
    (25, Security.STARTTLS),
)

# "Try other ports for me": all of the seed's ports. 25 comes last (many networks block it)
# but it is tried: for some servers it is the only one open.
ALTERNATIVE_PORTS = RECOMMENDED_PORTS

PORT_GUIDANCE: dict[int, str] = {
    587: "587 with STARTTLS: the standard port for sending mail from an app. Try this first.",
    465: "465 with SSL/TLS: use it when your provider asks for SSL, or when 587 is blocked.",
    2525: "2525 with STARTTLS: a spare port many sending services offer when 587 and 465 "
    "are blocked.",
    25: "25: meant for server-to-server relaying; most home and cloud networks block it.",
}


def default_security_for_port(port: int) -> Security:
    return Security.TLS if port == 465 else Security.STARTTLS


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """An outgoing (SMTP) server as the user configured it. Never holds a password."""

    host: str
    port: int
    security: Security
    username: str | None = None
    # Credentials over an unencrypted connection, allowed for this server only, by the user.
    allow_insecure_auth: bool = False
    # SHA-256 fingerprint (hex, no colons) of one certificate the user chose to trust.
    trusted_fingerprint: str | None = None
    # The provider's configuration asks for "password-encrypted" (autoconfig/ISPDB): sign in
    # only with a mechanism that never sends the password itself (CRAM-MD5).
    password_encrypted: bool = False

    def with_changes(self, **changes: Any) -> Self:
        """Apply a diagnosis suggestion such as {"security": "tls", "port": 465}."""
        if "security" in changes:
            changes["security"] = Security(changes["security"])
        if "port" in changes:
            changes["port"] = int(changes["port"])
        allowed = {"host", "port", "security", "username", "trusted_fingerprint"}
        allowed.add("allow_insecure_auth")  # only through a suggestion the user consented to
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"cannot change {', '.join(sorted(unknown))}")
        if "host" in changes and str(changes["host"]).lower() != self.host.lower():
            # A pinned certificate and an "unencrypted sign-in is fine" permission were given
            # for the old server: they must not follow the password to another one.
            changes.setdefault("trusted_fingerprint", None)
            changes["allow_insecure_auth"] = False
            changes["password_encrypted"] = False  # a property of the old host's document
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "security": self.security.value,
            "username": self.username,
            "allow_insecure_auth": self.allow_insecure_auth,
            "trusted_fingerprint": self.trusted_fingerprint,
            "password_encrypted": self.password_encrypted,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ServerSettings:
        return cls(
            host=str(data["host"]),
            port=int(data["port"]),
            security=Security(data["security"]),
            username=data.get("username") or None,
            allow_insecure_auth=bool(data.get("allow_insecure_auth", False)),
            trusted_fingerprint=data.get("trusted_fingerprint") or None,
            password_encrypted=bool(data.get("password_encrypted", False)),
        )


class IncomingProtocol(StrEnum):
    IMAP = "imap"
    POP3 = "pop3"


@dataclass(frozen=True, slots=True)
class IncomingServer:
    """The IMAP/POP3 server: whole-account formats (Thunderbird, Apple, Outlook) need it."""

    protocol: IncomingProtocol
    host: str
    port: int
    security: Security
    username: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol.value,
            "host": self.host,
            "port": self.port,
            "security": self.security.value,
            "username": self.username,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IncomingServer:
        return cls(
            protocol=IncomingProtocol(data["protocol"]),
            host=str(data["host"]),
            port=int(data["port"]),
            security=Security(data["security"]),
            username=data.get("username") or None,
        )


@dataclass(frozen=True, slots=True)
class Account:
    """Who sends: the address, the name people see, and the incoming server when known."""

    email: str
    display_name: str = ""
    incoming: IncomingServer | None = None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "display_name": self.display_name,
            "incoming": self.incoming.to_dict() if self.incoming else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Account:
        incoming = data.get("incoming")
        return cls(
            email=str(data["email"]),
            display_name=str(data.get("display_name") or ""),
            incoming=IncomingServer.from_dict(incoming) if incoming else None,
        )


@dataclass(frozen=True, slots=True)
class ResolverConfig:
    dns_server: tuple[str, int] | None = None  # (ip, port): resolve through this server
    overrides: dict[str, str] = field(default_factory=dict)  # host -> IP, like curl --resolve
    # host -> addresses this same DNS server gave a moment ago (discovery's lookup of a guessed
    # host, handed to the probe so it does not ask again); overrides still win.
    known: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
