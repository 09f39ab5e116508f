"""The client IDs people entered, one per provider or issuer, remembered for next time.

A client ID is not a secret (a client secret, when a provider has one, stays in the keychain
entry of the sign-in only), so the small app state file keeps it (core/app_state.py), keyed by
the provider table's key ("microsoft") or "issuer:" and a discovered issuer. The wizard and
`smtpwizard oauth login` share it: entered once, filled in every time after.
"""

from __future__ import annotations

import contextlib

from ..app_state import AppStateError, load_app_state, save_app_state

__all__ = ["remember_client_id", "remembered_client_ids"]

_CLIENT_IDS = "oauth_client_ids"


def remembered_client_ids() -> dict[str, str]:
    ids = load_app_state().get(_CLIENT_IDS)
    return {str(k): str(v) for k, v in ids.items()} if isinstance(ids, dict) else {}


def remember_client_id(key: str, client_id: str) -> None:
    state = load_app_state()
    ids = state.get(_CLIENT_IDS)
    state[_CLIENT_IDS] = {**(ids if isinstance(ids, dict) else {}), key: client_id}
    with contextlib.suppress(AppStateError, ValueError):  # a convenience, never a failure
        save_app_state(state)
