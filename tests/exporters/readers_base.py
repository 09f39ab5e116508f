"""What the readers share: running a consumer, saving a file as a user would.

Each reader returns (values, enc): `values` holds the standard fields the file carries
(host, port, username, password, email, display_name, ...), `enc` the format's own
encryption keys, compared against the reference table in test_mapping.py.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from smtpwizard.core.exporters import ExportResult

HERE = Path(__file__).resolve().parent
PHPMAILER_AUTOLOAD = "/usr/share/php/libphp-phpmailer/autoload.php"
PHPDOTENV_AUTOLOAD = "/usr/share/php/Dotenv/autoload.php"
SYMFONY_DOTENV_AUTOLOAD = "/usr/share/php/Symfony/Component/Dotenv/autoload.php"
Values = dict[str, Any]
Reader = Callable[[ExportResult, Path, dict[str, str]], tuple[Values, Values]]


def run(cmd: list[str], *, env: dict[str, str] | None = None, timeout: float = 30) -> str:
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env=full_env, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise AssertionError(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    return proc.stdout


def save(result: ExportResult, tmp: Path) -> Path:
    path = tmp / result.file_name
    path.write_bytes(result.data)
    path.chmod(result.file_mode)
    return path


def settle(path: Path) -> None:
    """Postfix re-reads (300 ms at a time) a main.cf modified less than a second ago, in case
    it is half written: date our freshly written files back a minute."""
    past = time.time() - 60
    os.utime(path, (past, past))
