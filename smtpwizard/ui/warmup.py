"""Loading the engine before it is needed, on a thread, once the first page holds something.

The window opens without the engine (discovery with httpx and dnspython, the probe, the check
with aiosmtplib, asyncio and ssl: some 25 MiB and 300 ms). Importing it all when Next is pressed
would freeze the window for that long, so the wizard starts this thread at the first key
typed into the first page (or when an address is filled in for the person): by the time Next
is pressed it is done, and the window stays responsive meanwhile (the importing thread gives
the GIL back every few milliseconds).

Only modules free of Qt are imported here (core/ is, and tests/core/test_core_has_no_qt.py
keeps it so; ui/search.py imports only core). The main thread never imports any of them
while the thread runs: `settle()` waits for it first, so two threads never import modules in
opposite orders (the one way imports can deadlock).
"""

from __future__ import annotations

import importlib
import logging
import threading

log = logging.getLogger(__name__)

# What the first Next (the search) and the test after it need; the probe imports the check.
ENGINE = ("asyncio", "smtpwizard.core.discovery", "smtpwizard.core.probe", "smtpwizard.ui.search")

_thread: threading.Thread | None = None


def start() -> None:
    """Start importing the engine on a thread (once; later calls do nothing)."""
    global _thread
    if _thread is not None:
        return
    _thread = threading.Thread(target=_import_engine, name="smtpwizard-warmup", daemon=True)
    _thread.start()


def settle() -> None:
    """Wait until the thread, if one was started, has finished."""
    if _thread is not None:
        _thread.join()


def _import_engine() -> None:
    for name in ENGINE:
        try:
            importlib.import_module(name)
        except Exception as exc:  # the main thread imports it again and sees the error there
            log.debug("warm-up: %s not imported: %r", name, exc)
            return
    try:
        _first_search_work()
    except Exception as exc:  # the same: the search does this work itself when it failed here
        log.debug("warm-up: %r", exc)


def _first_search_work() -> None:
    """What the first search does once before it can start: parse the built-in provider table
    and the Public Suffix List (together well over 100 ms of the main thread otherwise)."""
    from ..core.discovery import providers
    from ..core.discovery.domains import base_domain

    providers()
    base_domain("example.com")
