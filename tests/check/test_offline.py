"""The system resolver's answers: EAI_AGAIN (no resolver reachable) is offline, EAI_NONAME is a
name that does not exist. getaddrinfo is replaced here because the test machine's resolver
cannot be made to fail on demand; the silent DNS server of tests/discovery/
test_offline_untested.py covers the same words end to end."""

from __future__ import annotations

import asyncio
import socket

import pytest

from smtpwizard.core.check import CheckOptions, run_check
from smtpwizard.core.settings import Security, ServerSettings


def check_with_gaierror(monkeypatch, errno: int, text: str):  # type: ignore[no-untyped-def]
    async def failing_getaddrinfo(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise socket.gaierror(errno, text)

    async def run():  # type: ignore[no-untyped-def]
        loop = asyncio.get_running_loop()
        monkeypatch.setattr(loop, "getaddrinfo", failing_getaddrinfo)
        settings = ServerSettings("smtp.gmail.com", 587, Security.STARTTLS, "anna@gmail.com")
        return await run_check(settings, password="x", options=CheckOptions(timeout=5))

    return asyncio.run(run())


def test_temporary_failure_in_name_resolution_is_offline(monkeypatch) -> None:
    result = check_with_gaierror(
        monkeypatch, socket.EAI_AGAIN, "Temporary failure in name resolution"
    )
    d = result.diagnosis
    assert d.code == "offline"
    assert d.step == "resolve"
    words = f"{d.title} {d.explanation} {d.fix}".lower()
    assert "offline" in words and "internet connection" in words
    assert "misspelled" not in words and "does not exist" not in words
    assert "Temporary failure in name resolution" in d.technical


@pytest.mark.parametrize("errno", [socket.EAI_NONAME])
def test_name_or_service_not_known_is_no_such_name(monkeypatch, errno: int) -> None:
    result = check_with_gaierror(monkeypatch, errno, "Name or service not known")
    assert result.diagnosis.code == "dns_not_found"
    assert "misspelled" in result.diagnosis.explanation
