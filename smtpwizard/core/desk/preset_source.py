"""Where a preset comes from: a local file, or an https URL fetched with autoconfig's caps.

A URL preset is fetched the way discovery fetches autoconfig documents (core/discovery/webfetch.py):
https only (a plain http:// address is refused before connecting, as is a redirect to one or to
another domain), the certificate verified, a time limit, a size cap (64 KiB, streamed), and a
content type that says TOML, JSON or plain text.
"""

from __future__ import annotations

from pathlib import Path

from ..discovery.dns import Resolver
from ..discovery.model import DiscoveryOptions
from ..discovery.webfetch import FetchError, WebFetcher
from ..net.resolve import ResolverConfig
from .files import read_input_file
from .preset import MAX_PRESET_BYTES, Preset, PresetError, parse_preset

__all__ = ["PRESET_MEDIA_TYPES", "fetch_preset", "read_preset", "read_preset_file"]

PRESET_MEDIA_TYPES = frozenset(
    {"application/toml", "application/json", "text/plain", "text/x-toml"}
)
FETCH_TIMEOUT = 8.0


def read_preset_file(path: Path) -> Preset:
    data = read_input_file(path, MAX_PRESET_BYTES, "preset", error=PresetError)
    return parse_preset(data, path.name)


async def fetch_preset(
    url: str,
    *,
    resolver: ResolverConfig | None = None,
    ca_file: str | None = None,
    timeout: float = FETCH_TIMEOUT,
) -> Preset:
    if not url.lower().startswith("https://"):
        raise PresetError(
            f"{url}: a preset is fetched only over https:// (an unencrypted one could be "
            "changed on the way)."
        )
    config = resolver or ResolverConfig()
    options = DiscoveryOptions(
        dns_server=config.dns_server,
        resolve=config.overrides,
        ca_file=ca_file,
        timeout=timeout,
        max_document_bytes=MAX_PRESET_BYTES,
    )
    async with WebFetcher(options, Resolver(config.dns_server, options.dns_timeout)) as web:
        try:
            fetched = await web.get_document(url, timeout=timeout, media_types=PRESET_MEDIA_TYPES)
        except FetchError as exc:
            raise PresetError(f"The preset could not be fetched: {exc.reason}.") from None
    return parse_preset(fetched.data, url)


async def read_preset(
    location: str,
    *,
    resolver: ResolverConfig | None = None,
    ca_file: str | None = None,
    timeout: float = FETCH_TIMEOUT,
) -> Preset:
    """A preset from a file path or an https URL (anything with :// is a URL)."""
    if "://" in location:
        return await fetch_preset(location, resolver=resolver, ca_file=ca_file, timeout=timeout)
    return read_preset_file(Path(location))
