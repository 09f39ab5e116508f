"""Entry point: with no arguments the wizard opens; otherwise the command line runs.

The event loop is chosen here and nowhere else: a qasync loop for the GUI, asyncio.run for the CLI.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        problem = no_screen_problem()
        if problem:
            print(problem, file=sys.stderr)
            return 2
        try:
            from .ui.app import run_gui
        except ImportError as exc:
            print(
                f"smtpwizard: the wizard cannot start ({exc}). Try: smtpwizard --help",
                file=sys.stderr,
            )
            return 2
        return run_gui(demo=False)
    from .cli import main as cli_main

    return cli_main(args)


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


if __name__ == "__main__":
    sys.exit(main())
