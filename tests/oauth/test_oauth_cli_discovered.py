"""`smtpwizard oauth login --email ADDRESS`: the sign-in found by discovery. An ISPDB served over
real HTTPS on loopback gives an <oAuth2> block naming the real oidc-provider; the CLI prints the
sign-in host before the browser step, signs in (a test person at the provider's pages), keeps
the sign-in, and the client ID is remembered for the issuer. An autoconfig document naming a
sign-in page elsewhere needs --trust-sign-in-host, and the words name both domains."""

from __future__ import annotations

import contextlib
import http.server
import json
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from smtpwizard.cli import main, oauth_discover
from smtpwizard.core import oauth
from smtpwizard.core.discovery import Candidate, SourceKind
from smtpwizard.core.discovery.clientconfig import OAuth2Block
from smtpwizard.core.settings import Security

from .provider import CLIENT_ID, RunningProvider
from .test_oauth_cli import cli_login, run_cli

pytestmark = [pytest.mark.keychain, pytest.mark.timeout(120)]
HOST = "127.0.140.7"
NO_DNS = "127.0.140.9:5353"  # nothing answers there: DNS sources give up at once
IVY = "ivy@example.test"

_DOCUMENT = """<?xml version="1.0"?>
<clientConfig version="1.1">
  <emailProvider id="example.test">
    <domain>example.test</domain>
    <outgoingServer type="smtp">
      <hostname>smtp.example.test</hostname><port>587</port><socketType>STARTTLS</socketType>
      <authentication>OAuth2</authentication><username>%EMAILADDRESS%</username>
    </outgoingServer>
  </emailProvider>
  <oAuth2>
    <issuer>{issuer}</issuer>
    <scope>SMTP.Send offline_access</scope>
    {urls}
  </oAuth2>
</clientConfig>
"""


@contextlib.contextmanager
def ispdb(provider: RunningProvider, folder: Path, *, urls: bool) -> Iterator[tuple[str, str]]:
    """An ISPDB at https://HOST:port/ispdb/ and one CA file trusting it and the provider."""
    ca = trustme.CA()
    leaf = ca.issue_cert(HOST)
    chain = folder / "ispdb.pem"
    leaf.private_key_and_cert_chain_pem.write_to_path(str(chain))
    bundle = folder / "bundle.pem"
    bundle.write_bytes(Path(provider.ca_file).read_bytes() + ca.cert_pem.bytes())
    links = (
        f"<authURL>{provider.issuer}/auth</authURL><tokenURL>{provider.issuer}/token</tokenURL>"
        if urls
        else ""
    )
    body = _DOCUMENT.format(issuer=provider.issuer, urls=links).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path.rstrip("/").endswith("/ispdb/example.test")
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body) if found else 0))
            self.end_headers()
            if found:
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer((HOST, 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(chain))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://{HOST}:{server.server_address[1]}/ispdb/", str(bundle)
    finally:
        server.shutdown()
        server.server_close()


def _where(url: str, bundle: str, *extra: str) -> list[str]:
    return [
        "--email",
        IVY,
        "--ispdb-url",
        url,
        "--dns-server",
        NO_DNS,
        "--ca-file",
        bundle,
        *extra,
    ]


@pytest.mark.parametrize("urls", [True, False], ids=["addresses", "issuer-only"])
def test_login_finds_the_provider_from_the_address(
    provider: RunningProvider,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    urls: bool,
) -> None:
    monkeypatch.setenv("SMTPWIZARD_CONFIG_DIR", str(tmp_path / "config"))
    with ispdb(provider, tmp_path, urls=urls) as (url, bundle):
        # No client ID yet: the plain guide says how to get one, nothing opens.
        first = run_cli("oauth", "login", *_where(url, bundle))
        assert first.returncode == 2, first
        assert "Your browser will open 127.0.14.1" in first.stderr
        assert "Thunderbird's database" in first.stderr
        assert "http://127.0.0.1 (any port)" in first.stderr

        login = cli_login(
            provider, IVY, "--json", where=_where(url, bundle, "--client-id", CLIENT_ID)
        )
        assert login.returncode == 0, login
        assert json.loads(login.stdout)["provider"] == "127.0.14.1"
        assert login.stderr.index("Your browser will open 127.0.14.1") < login.stderr.index(
            "Opening your browser"
        )
        # Entered once per issuer: the next sign-in needs no --client-id.
        again = cli_login(provider, IVY, where=_where(url, bundle))
        assert again.returncode == 0, again
    token = run_cli("oauth", "token", "--user", IVY)
    assert token.returncode == 0 and provider.introspect(token.stdout.strip())["active"]
    assert run_cli("oauth", "logout", "--user", IVY).returncode == 0


def test_nothing_found_is_said(provider: RunningProvider, tmp_path: Path) -> None:
    with ispdb(provider, tmp_path, urls=True) as (url, bundle):
        where = _where(url, bundle, "--client-id", CLIENT_ID, "--json")
        where[1] = "ivy@elsewhere.test"
        none = run_cli("oauth", "login", *where)
    assert none.returncode == 1
    assert json.loads(none.stdout) == {
        "ok": False,
        "found": False,
        "reason": "No sign-in with OAuth2 was found for ivy@elsewhere.test.",
    }


def test_a_stranger_named_by_autoconfig_needs_the_host_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    block = OAuth2Block(
        "https://id.evil.test", ("smtp",), "https://id.evil.test/a", "https://id.evil.test/t"
    )
    candidate = Candidate(
        "smtp.example.com", 587, Security.STARTTLS, None, SourceKind.AUTOCONFIG, True, 0,
        oauth2=block,
    )  # fmt: skip
    offer = oauth.discovered_sign_in(candidate, "ann@example.com")
    monkeypatch.setattr(oauth_discover, "_find", lambda args, email: offer)
    argv = ["oauth", "login", "--email", "ann@example.com", "--client-id", "app", "--no-browser"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "Your browser will open id.evil.test" in err
    assert "belongs to evil.test, not to example.com" in err
    assert "--trust-sign-in-host id.evil.test" in err

    assert main([*argv, "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["needs_consent"] is True and data["sign_in_host"] == "id.evil.test"

    # Named: the sign-in starts (and fails at once here: nothing runs at id.evil.test).
    attempted: list[oauth.OAuthConfig] = []

    async def refuse(config: oauth.OAuthConfig, *args: object, **kwargs: object) -> None:
        attempted.append(config)
        raise oauth.OAuthFailure("oauth_provider_unreachable", config.label, "test")

    monkeypatch.setattr(oauth, "browser_sign_in", refuse)
    assert main([*argv, "--trust-sign-in-host", "id.evil.test"]) == 1
    assert attempted and attempted[0].authorization_endpoint == "https://id.evil.test/a"
