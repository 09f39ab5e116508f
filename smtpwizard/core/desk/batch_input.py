"""The accounts file of `smtpwizard batch`: a CSV with a header row, checked before anything runs.

Columns: `email` (required), and optionally `host`, `port`, `security`, `username`, `password`,
`password_env`. A file with a `password` column must be readable by its owner only (mode 0600),
since every other user of the computer could read the passwords otherwise. Every row is checked
up front, so bad input stops the batch before the first connection, with the line number.
"""

from __future__ import annotations

import csv
import io
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..inputs import parse_email, parse_host, parse_port, parse_username
from ..settings import Security, default_security_for_port
from .files import read_input_file

__all__ = ["COLUMNS", "MAX_ACCOUNTS_BYTES", "BatchRow", "read_accounts"]

COLUMNS = ("email", "host", "port", "security", "username", "password", "password_env")
MAX_ACCOUNTS_BYTES = 64 * 1024 * 1024
MAX_ROWS = 1_000_000


@dataclass(frozen=True, slots=True)
class BatchRow:
    number: int  # 1 for the first row after the header
    line: int  # line in the file, for messages
    email: str
    host: str | None = None
    port: int | None = None
    security: Security | None = None
    username: str | None = None
    # repr=False: a row printed in a traceback or a log never shows it.
    password: str | None = field(default=None, repr=False)

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2].lower()


def read_accounts(path: Path, environ: Mapping[str, str] | None = None) -> list[BatchRow]:
    env = os.environ if environ is None else environ
    data = read_input_file(path, MAX_ACCOUNTS_BYTES, "accounts")
    info = os.stat(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; save it as CSV UTF-8.", "accounts") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise InputError(f"{path}: the file is empty; it needs a header row.", "accounts") from None
    except csv.Error as exc:
        raise InputError(f"{path}: not a CSV file ({exc}).", "accounts") from None
    _check_header(path, header, info)
    rows: list[BatchRow] = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue  # blank lines, common at the end of hand-made files
            if len(rows) >= MAX_ROWS:
                raise InputError(f"{path}: more than {MAX_ROWS} accounts.", "accounts")
            line = reader.line_num
            if len(values) != len(header):
                raise InputError(
                    f"{path} line {line}: {len(values)} values for {len(header)} columns.",
                    "accounts",
                )
            record = dict(zip(header, (v.strip() for v in values), strict=True))
            rows.append(_row(path, line, len(rows) + 1, record, env))
    except csv.Error as exc:
        raise InputError(f"{path} line {reader.line_num}: {exc}.", "accounts") from None
    if not rows:
        raise InputError(f"{path}: no accounts after the header row.", "accounts")
    return rows


def _check_header(path: Path, header: list[str], info: os.stat_result) -> None:
    if "email" not in header:
        raise InputError(
            f"{path}: the header row needs an email column (found: {', '.join(header)}).",
            "accounts",
        )
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise InputError(
            f"{path}: unknown column {unknown[0]!r}; the columns are {', '.join(COLUMNS)}.",
            "accounts",
        )
    if len(set(header)) != len(header):
        raise InputError(f"{path}: a column is named twice in the header row.", "accounts")
    if "password" in header and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InputError(
            f"{path} has a password column but other users of this computer can read it. "
            f"Make it private first (chmod 600 {path}), or use a password_env column instead.",
            "accounts",
        )


def _row(
    path: Path, line: int, number: int, rec: dict[str, str], env: Mapping[str, str]
) -> BatchRow:
    where = f"{path} line {line}"
    try:
        email = parse_email(rec["email"])
        host = parse_host(rec["host"]) if rec.get("host") else None
        port = parse_port(rec["port"]) if rec.get("port") else (host.port if host else None)
        security = None
        if rec.get("security"):
            try:
                security = Security(rec["security"].lower())
            except ValueError:
                raise InputError("security must be starttls, tls or none.") from None
        elif host and host.security:
            security = host.security
        elif port is not None:
            security = default_security_for_port(port)
        username = parse_username(rec["username"]) if rec.get("username") else None
    except InputError as exc:
        raise InputError(f"{where}: {exc.message}", "accounts") from None
    if host is None and (port is not None or security is not None):
        raise InputError(f"{where}: a port or security without a host.", "accounts")
    password = rec.get("password") or None
    variable = rec.get("password_env")
    if variable:
        if password:
            raise InputError(f"{where}: give password or password_env, not both.", "accounts")
        password = env.get(variable)
        if password is None:
            raise InputError(
                f"{where}: the environment variable {variable} (password_env) is not set.",
                "accounts",
            )
    return BatchRow(
        number=number,
        line=line,
        email=email,
        host=host.host if host else None,
        port=port,
        security=security,
        username=username,
        password=password,
    )
