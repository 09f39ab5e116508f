"""When a refused token is called one for another service (core/check/token_claims.py): only
for a JWT whose audience is neither a known mail audience nor a service of the server's own
site, and whose expiry and address do not explain the refusal already."""

from __future__ import annotations

import base64
import json
import time

import pytest

from smtpwizard.core.check.token_claims import audience_mismatch

HOST = "smtp.office365.com"
USER = "anna@contoso.example"


def _jwt(**claims: object) -> str:
    def part(data: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'typ': 'JWT', 'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJl"


SOON = int(time.time()) + 3600


@pytest.mark.parametrize(
    ("token", "said"),
    [
        (
            _jwt(aud="https://graph.microsoft.com", upn=USER, exp=SOON),
            "https://graph.microsoft.com",
        ),
        (_jwt(aud=["account", "api://other"], exp=SOON), "account, api://other"),
        (_jwt(aud="https://outlook.office.com", upn=USER, exp=SOON), None),
        (_jwt(aud="00000002-0000-0ff1-ce00-000000000000", exp=SOON), None),
        (_jwt(aud="https://graph.microsoft.com", exp=int(time.time()) - 60), None),  # expired
        (_jwt(aud="https://graph.microsoft.com", upn="bob@contoso.example", exp=SOON), None),
        (_jwt(sub="no audience at all", exp=SOON), None),
        ("ya29.an-opaque-google-token", None),
        ("a.b.c", None),
        ("e30." + "A" * 70000 + ".sig", None),  # too long to be read
    ],
)
def test_audience_mismatch(token: str, said: str | None) -> None:
    assert audience_mismatch(token, HOST, USER) == said


def test_a_service_of_the_servers_own_site_is_its_audience() -> None:
    token = _jwt(aud="https://mail.example.test/", sub="someone", exp=SOON)
    assert audience_mismatch(token, "mail.example.test", USER) is None
    assert audience_mismatch(token, "smtp.elsewhere.test", USER) == "https://mail.example.test/"
