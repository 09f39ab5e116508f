"""Whether there is a screen to open the wizard on (asked before Qt loads: Qt would abort)."""

from __future__ import annotations

import os
import sys


def no_screen_problem() -> str | None:
    """Qt aborts the whole process when it has no screen; say so plainly instead."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "smtpwizard: there is no screen to show the wizard on (neither DISPLAY nor "
        "WAYLAND_DISPLAY is set, as over SSH). Everything it does is also a command: try "
        "'smtpwizard demo', 'smtpwizard discover you@example.com' or 'smtpwizard --help'."
    )
