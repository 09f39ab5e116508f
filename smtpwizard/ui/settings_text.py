"""The working settings as plain text: what every mail program asks for, in its words."""

from __future__ import annotations

from ..core.settings import PORT_GUIDANCE, Security, ServerSettings

_ENCRYPTION = {
    Security.STARTTLS: "STARTTLS (some programs call it “TLS”)",
    Security.TLS: "SSL/TLS (some programs call it “SSL”)",
    Security.NONE: "None",
}


def settings_lines(
    settings: ServerSettings, *, email: str, name: str, password_saved: bool
) -> list[tuple[str, str]]:
    password = (
        "your email password (saved in this computer's keychain)"
        if password_saved
        else "your email password (or app password)"
    )
    rows = [
        ("Email address", email),
        ("Your name", name or "(not set)"),
        ("Outgoing server (SMTP)", settings.host),
        ("Port", str(settings.port)),
        ("Encryption", _ENCRYPTION[settings.security]),
        ("Sign-in", "Normal password" if settings.username else "None"),
        ("Username", settings.username or "(none)"),
        ("Password", password if settings.username else "(none)"),
    ]
    if settings.trusted_fingerprint:
        fp = settings.trusted_fingerprint.upper()
        rows.append(
            ("Trusted certificate (SHA-256)", ":".join(fp[i : i + 2] for i in range(0, 64, 2)))
        )
    return rows


def settings_card_text(
    settings: ServerSettings, *, email: str, name: str, password_saved: bool
) -> str:
    rows = settings_lines(settings, email=email, name=name, password_saved=password_saved)
    width = max(len(label) for label, _ in rows)
    body = "\n".join(f"{label + ':':<{width + 1}}  {value}" for label, value in rows)
    guidance = PORT_GUIDANCE.get(settings.port, "")
    return f"Outgoing mail settings (tested and working)\n\n{body}\n\n{guidance}\n"
