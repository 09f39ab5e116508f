"""Entry point: with no arguments the wizard opens; otherwise the command line runs.

The event loop is chosen here and nowhere else: Qt's own for the GUI, with qasync started on it
when the first task needs it (ui/loop.py); asyncio.run for the CLI.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        from .ui.screen import no_screen_problem

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


if __name__ == "__main__":
    sys.exit(main())
