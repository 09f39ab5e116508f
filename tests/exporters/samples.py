"""Settings and accounts the export tests share, including hostile values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from smtpwizard.core.settings import (
    Account,
    IncomingProtocol,
    IncomingServer,
    Security,
    ServerSettings,
)

CHECKED = dt.date(2026, 11, 1)


def sample(
    security: Security = Security.STARTTLS,
    *,
    host: str = "smtp.example.com",
    port: int | None = None,
    username: str | None = "anna@example.com",
    email: str = "anna@example.com",
    name: str = "Anna Müller",
    incoming: IncomingServer | None = None,
    allow_insecure_auth: bool = False,
) -> tuple[ServerSettings, Account]:
    default_port = {Security.STARTTLS: 587, Security.TLS: 465, Security.NONE: 25}[security]
    settings = ServerSettings(
        host=host,
        port=port or default_port,
        security=security,
        username=username,
        allow_insecure_auth=allow_insecure_auth,
    )
    if incoming is None:
        incoming = IncomingServer(IncomingProtocol.IMAP, "imap.example.com", 993, Security.TLS)
    return settings, Account(email=email, display_name=name, incoming=incoming)


@dataclass(frozen=True)
class Hostile:
    """One set of awkward values and the formats that must refuse them (with a clear error)."""

    name: str
    display_name: str
    username: str
    email: str
    password: str
    refused_by: frozenset[str] = field(default_factory=frozenset)


HOSTILE = (
    Hostile(
        "quotes-backslashes-dollars-markup-unicode",
        display_name='Zoë "Zo" O\'Brien \\ $HOME ${USER} %s </tag> ?> --> & # ; 日本 😀',
        username='zoë.o\'brien+"x"\\$y#;%@exämple.com',
        email="zoe.o'brien$x+{y}@example.com",
        password="pa\"ss'w\\o$rd %41+ #;! é😀 </x> ?> -- `id` $(id)",
        # An address with both ' and $: .env readers that take single quotes literally and
        # expand $ in double quotes have no safe way to write it. A password with ' and `:
        # no Laravel .env quoting keeps the backtick inert for a shell (issue 10).
        refused_by=frozenset({"vaultwarden", "docker-env", "laravel-env"}),
    ),
    Hostile(
        "placeholder-syntax",
        display_name="${APP_NAME} #{x} %(y)s {{z}}",
        username="${SMTP_USER}@example.com",
        email="a${b}@example.com",
        password="${SMTP_PASSWORD}#{x}%(y)s",
        # Spring resolves ${...} itself: it cannot hold such a value literally.
        refused_by=frozenset({"spring-properties", "spring-yaml"}),
    ),
    Hostile(
        "line-break-in-password",
        display_name="Anna",
        username="anna@example.com",
        email="anna@example.com",
        password="first line\nsecond\tline\r",
        # One-line syntaxes.
        refused_by=frozenset(
            {
                "msmtp",
                "postfix-sasl-passwd",
                "git-send-email",
                "neomutt",
                "mutt",
                "s-nail",
                "gitea",
                "grafana",
                "vaultwarden",
                "docker-env",
                "dma-auth",
                "opensmtpd-secrets",
            }
        ),
    ),
)
