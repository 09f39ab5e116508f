"""The one-line login files of relays (Postfix sasl_passwd, dma auth.conf, OpenSMTPD secrets):
what each can hold, and the line a person completes when the password is not in the file."""

from __future__ import annotations

from dataclasses import dataclass

from .base import ExportRequest, ValueNotRepresentable
from .escaping import refuse_line_breaks

__all__ = ["LoginTable", "login_parts"]

TYPE_IT_HERE = "# Type the password right after the ':' at the end of the next line."


@dataclass(frozen=True, slots=True)
class LoginTable:
    program: str  # "Postfix"
    file: str  # "sasl_passwd file"
    syntax: str  # "a Postfix lookup table"
    refused_in_username: str  # characters the table's parser splits at
    trims_password: bool  # the parser drops blanks around the value


def login_parts(req: ExportRequest, table: LoginTable) -> tuple[str, str, list[str]]:
    """(username, password or "", comment lines to put before the login line)."""
    if not req.username:
        raise ValueNotRepresentable(
            f"This server takes no username, so {table.program} needs no {table.file}.",
            "username",
        )
    username = refuse_line_breaks(req.username, "username", table.syntax)
    bad = [char for char in table.refused_in_username if char in username]
    if " " in table.refused_in_username and any(char.isspace() for char in username):
        bad.append(" ")
    if bad:
        refused = table.refused_in_username  # say all it cannot hold, not only what was found
        names = " or ".join("a space" if char == " " else f"'{char}'" for char in refused)
        raise ValueNotRepresentable(
            f"The username contains {names}, which {table.syntax} cannot hold.", "username"
        )
    if req.password is None:
        return username, "", [TYPE_IT_HERE]
    secret = refuse_line_breaks(req.password, "password", table.syntax)
    if table.trims_password and secret != secret.strip():
        raise ValueNotRepresentable(
            f"The password starts or ends with a space, which {table.program} would drop.",
            "password",
        )
    return username, secret, []
