"""Which module serves which command, and the one-line help `smtpwizard --help` lists.

Kept apart from the command modules so the parser can list every command while importing only
the chosen one's module: discover's alone costs about 60 ms (dnspython, httpx), export's and the
keychain's about 10 ms each, all of it wasted on `smtpwizard check`.
"""

from __future__ import annotations

from typing import NamedTuple


class Command(NamedTuple):
    module: str  # under smtpwizard.cli; its add_parsers(subparsers) registers the command
    help: str


COMMANDS: dict[str, Command] = {
    "check": Command("check", "test an outgoing mail server for real and explain what is wrong"),
    "probe": Command("discover", "find which ports of a server work, and with which encryption"),
    "discover": Command(
        "discover", "find the outgoing server for an email address, and test its ports"
    ),
    "deliverability": Command(
        "deliverability",
        "check a domain's SPF, DKIM, DMARC and more, and say exactly what to add to DNS",
    ),
    "export": Command(
        "export", "write the settings for a mail program, website, framework or tool"
    ),
    "gui": Command("gui", "open the wizard (the default when no command is given)"),
    "report": Command("report", "show a report a customer saved (check --report, or the wizard)"),
    "preset": Command(
        "preset", "write or check a support desk's preset (settings pre-filled for customers)"
    ),
    "batch": Command("batch", "check many accounts from a CSV file and write a results file"),
    "demo-server": Command("demo", "run the built-in demo mail server on this computer"),
    "demo": Command("demo", "start the demo server and run a full live check against it"),
    "oauth": Command("oauth", "sign in with Microsoft, Google or another OAuth2 provider"),
}


def chosen_command(argv: list[str]) -> str | None:
    """The command named in argv (its first word that is not an option), if it is one of ours."""
    for word in argv:
        if word == "--":
            return None
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None
