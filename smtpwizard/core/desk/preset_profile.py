"""A preset written from a profile the wizard saved and verified (`smtpwizard preset new`)."""

from __future__ import annotations

from collections.abc import Sequence

from ..profiles import Profile
from .preset import PRESET_FORMAT, PRESET_VERSION, PresetError, to_toml

__all__ = ["preset_document_from_profile"]


def _username_pattern(username: str | None, email: str) -> str:
    if not username or username.casefold() == email.casefold():
        return "%EMAILADDRESS%"
    local = email.rpartition("@")[0]
    if username.casefold() == local.casefold():
        return "%EMAILLOCALPART%"
    return username  # one username for every customer (an API key name such as "apikey")


def preset_document_from_profile(
    profile: Profile,
    *,
    organisation: str | None = None,
    email: str = "",
    phone: str = "",
    web: str = "",
    domains: Sequence[str] = (),
    user_may_change: Sequence[str] = (),
    oauth_client_id: str | None = None,
) -> str:
    """TOML text of the preset; PresetError if the profile's settings were never verified."""
    check = profile.last_check
    if check is None or not check.ok:
        raise PresetError(
            f"The profile {profile.name!r} has not passed a check yet; run "
            f"`smtpwizard check --profile {profile.name}` first, so the preset holds settings "
            "known to work."
        )
    address = profile.account.email
    domain = address.rpartition("@")[2]
    server = profile.server
    document = {
        "format": PRESET_FORMAT,
        "version": PRESET_VERSION,
        "username": _username_pattern(server.username, address),
        "domains": list(domains) or [domain],
        "user_may_change": list(user_may_change),
        "organisation": {
            key: value
            for key, value in (
                ("name", organisation or domain),
                ("email", email),
                ("phone", phone),
                ("web", web),
            )
            if value
        },
        "servers": [{"host": server.host, "port": server.port, "security": server.security.value}],
    }
    if not oauth_client_id and profile.sign_in is not None and profile.sign_in.oauth2:
        oauth_client_id = profile.sign_in.client_id  # the app the profile signed in with
    if oauth_client_id:
        document["oauth_client_id"] = oauth_client_id
    return to_toml(document)
