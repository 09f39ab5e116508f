"""Small helpers for driving the check engine against lab endpoints."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from smtpwizard.core.check import CheckOptions, CheckResult, run_check
from smtpwizard.core.settings import Security, ServerSettings

OUTSIDE = "someone@elsewhere.example"


def settings_for(ep: Any, **changes: Any) -> ServerSettings:
    base = ServerSettings(
        host=ep.host,
        port=ep.port,
        security=ep.security,
        username=ep.username or "anna@lab.test",
    )
    if "security" in changes:
        changes["security"] = Security(changes["security"])
    return replace(base, **changes)


def check(
    lab: Any,
    ep: Any,
    *,
    password: str | None = None,
    timeout: float = 10.0,
    options: dict[str, Any] | None = None,
    **changes: Any,
) -> CheckResult:
    settings = settings_for(ep, **changes)
    opts = CheckOptions(ca_file=str(lab.ca_file), timeout=timeout, **(options or {}))
    secret = password if password is not None else (ep.password or "not-the-password")
    if settings.username is None:
        secret = None
    return asyncio.run(run_check(settings, password=secret, options=opts))
