"""Reading (never writing) a Thunderbird profile's outgoing-server list, so user.js can add a
server without dropping the ones the profile's identities point at.

Thunderbird's SmtpService (mailnews/compose/src/SmtpService.sys.mjs, comm-central as of
Thunderbird 128-153) loads its servers from one pref and nothing else:

    _getSmtpServerKeys() {
      return Services.prefs.getCharPref("mail.smtpservers", "").split(",").filter(Boolean);
    }
    getServerByIdentity(userIdentity) {
      return userIdentity.smtpServerKey
        ? this.getServerByKey(userIdentity.smtpServerKey) : this.defaultServer;
    }

so a user.js that sets mail.smtpservers to only its own key leaves `mail.identity.id1.smtpServer
= "smtp1"` resolving to nothing. (The old C++ service's mail.smtpservers.appendsmtpservers is
gone from the JavaScript one, so appending is not possible without knowing the list.)
"""

from __future__ import annotations

import configparser
import json
import os
import re
import sys
from pathlib import Path

__all__ = ["default_profile", "profile_identities", "profile_smtp_servers"]

# user_pref("mail.smtpservers", "smtp1,smtp2"); as Thunderbird writes it (JSON-compatible string).
_PREF = re.compile(r'^\s*user_pref\(\s*"mail\.smtpservers"\s*,\s*("(?:[^"\\]|\\.)*")\s*\)\s*;')


def _candidates() -> list[Path]:
    home = Path.home()
    if sys.platform == "win32":
        appdata = os.environ.get("APPDATA")
        return [Path(appdata) / "Thunderbird"] if appdata else []
    if sys.platform == "darwin":
        return [home / "Library" / "Thunderbird"]
    return [
        home / ".thunderbird",
        home / "snap" / "thunderbird" / "common" / ".thunderbird",
        home / ".var" / "app" / "org.mozilla.Thunderbird" / ".thunderbird",
    ]


def default_profile(roots: list[Path] | None = None) -> Path | None:
    """The profile Thunderbird opens by default (profiles.ini), or None when there is none."""
    for root in roots if roots is not None else _candidates():
        ini = root / "profiles.ini"
        parser = configparser.RawConfigParser(strict=False)
        try:
            parser.read(ini, encoding="utf-8")
        except (OSError, configparser.Error, UnicodeDecodeError):
            continue
        chosen: str | None = None
        relative = True
        # Newer Thunderbird records the default per installation ([Install...] Default=).
        for section in parser.sections():
            if section.startswith("Install") and parser.has_option(section, "Default"):
                chosen = parser.get(section, "Default")
                break
        if chosen is None:
            for section in parser.sections():
                if (
                    section.startswith("Profile")
                    and parser.get(section, "Default", fallback="0") == "1"
                ):
                    chosen = parser.get(section, "Path", fallback=None)
                    relative = parser.get(section, "IsRelative", fallback="1") == "1"
                    break
        if chosen:
            path = root / chosen if relative else Path(chosen)
            if (path / "prefs.js").is_file():
                return path
    return None


def profile_smtp_servers(profile: Path) -> tuple[str, ...] | None:
    """The keys in mail.smtpservers as Thunderbird would load them (user.js wins over
    prefs.js); () for a profile without outgoing servers, None when it cannot be read."""
    found: tuple[str, ...] | None = None
    for name in ("prefs.js", "user.js"):
        try:
            text = (profile / name).read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError):
            return None
        found = () if found is None else found
        for line in text.splitlines():
            match = _PREF.match(line)
            if match:
                value = json.loads(match.group(1))
                found = tuple(key for key in value.split(",") if key)
    return found


_IDENTITY = re.compile(
    r'^\s*user_pref\(\s*"mail\.identity\.([A-Za-z0-9_]+)\.useremail"\s*,\s*("(?:[^"\\]|\\.)*")\s*\)'
)


def profile_identities(profile: Path) -> dict[str, str]:
    """The profile's identities (mail.identity.idN.useremail), key -> address; {} if unreadable."""
    found: dict[str, str] = {}
    for name in ("prefs.js", "user.js"):
        try:
            text = (profile / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for line in text.splitlines():
            match = _IDENTITY.match(line)
            if match:
                found[match.group(1)] = json.loads(match.group(2))
    return found
