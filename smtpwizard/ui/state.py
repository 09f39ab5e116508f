"""What the wizard's pages share. The password lives here in memory only, never on disk."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..core.settings import (
    ALTERNATIVE_PORTS,
    IncomingServer,
    ResolverConfig,
    Security,
    ServerSettings,
)

if TYPE_CHECKING:
    from ..core.check import CheckResult
    from ..core.desk.preset import Preset
    from ..core.oauth import DiscoveredSignIn, OAuthConfig, SignIn
    from ..core.probe import ServerSearch


@dataclass
class WizardState:
    name: str = ""
    email: str = ""
    manual: bool = False  # the person chose "Enter settings myself"
    # The short way: address and password on the first page, then nothing to click until the
    # Done page unless something needs the person (a confirmation, a choice, a failure).
    express: bool = False
    settings: ServerSettings | None = None
    settings_source: str = ""  # plain words: where the settings came from
    verified_by_probe: bool = False
    password: str = ""
    remember_password: bool = True
    keychain_available: bool = False
    keychain_reason: str = ""
    send_test_to: str = ""
    provider_notes: tuple[str, ...] = ()
    provider_name: str = ""
    provider_flags: frozenset[str] = frozenset()
    incoming: IncomingServer | None = None
    last_result: CheckResult | None = None
    last_search: ServerSearch | None = None  # the Finding page's, for the desk report
    preset: Preset | None = None  # a support desk's settings (gui --preset)
    profile_name: str = ""
    saved_profile: str = ""
    password_saved: bool = False
    # OAuth2: a whole sign-in configuration from a preset (support desk, tests), and the
    # sign-in once done (its tokens in memory; the keychain keeps the refresh token).
    oauth_preset: OAuthConfig | None = None
    oauth: SignIn | None = None
    # An identity provider the chosen server's discovered <oAuth2> block names (Finding page).
    oauth_offer: DiscoveredSignIn | None = None
    # Demo and testing: extra CA and name overrides for the checks.
    ca_file: str | None = None
    demo: bool = False
    # "Try other ports": the usual ones, or the demo server's own.
    alternative_ports: tuple[tuple[int, Security], ...] = ALTERNATIVE_PORTS
    resolver: ResolverConfig = field(default_factory=ResolverConfig)
    discovery_options: object | None = None
