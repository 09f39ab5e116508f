"""panva's oidc-provider (npm, OpenID certified) on loopback, and a "browser" for its pages.

The provider is tests/oauth/node/provider.mjs. The browser is httpx following the provider's
real HTML pages: it reads each page's first form (action, hidden fields, named buttons), fills
in what a person would type (login name, password, the device code), submits, and follows the
redirects until the provider sends it to our loopback listener, which it then calls as a real
browser would.
"""

from __future__ import annotations

import base64
import contextlib
import json
import select
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..realservers.procs import stop

NODE_DIR = Path(__file__).parent / "node"
HOST = "127.0.14.1"
CLIENT_ID = "smtpwizard-test-app"
INTROSPECTION_SECRET = "dovecot-introspection-secret"
KID = "smtpwizard-test-key"  # the provider's signing key, made for each run
STARTUP_DEADLINE = 20.0
_MAX_HOPS = 20


# Resource servers whose access tokens are JWTs (tests/oauth/node/provider.mjs): the mail server,
# and another API of the same provider.
MAIL_RESOURCE = "https://mail.oauth.test/"
OTHER_RESOURCE = "https://api.example.test/"


@dataclass(frozen=True)
class RunningProvider:
    issuer: str
    ca_file: str
    public_key: str = ""  # the PEM of the key its JWT access tokens are signed with
    kid: str = ""

    @property
    def introspection_url(self) -> str:
        return f"{self.issuer}/token/introspection"

    def introspect(self, token: str) -> dict[str, object]:
        response = httpx.post(
            self.introspection_url,
            data={"token": token},
            auth=("dovecot", INTROSPECTION_SECRET),
            verify=ssl.create_default_context(cafile=self.ca_file),
            timeout=10,
        )
        response.raise_for_status()
        data: dict[str, object] = response.json()
        return data

    def revoke(self, refresh_token: str) -> None:
        response = httpx.post(
            f"{self.issuer}/token/revocation",
            data={
                "token": refresh_token,
                "token_type_hint": "refresh_token",
                "client_id": CLIENT_ID,
            },
            verify=ssl.create_default_context(cafile=self.ca_file),
            timeout=10,
        )
        response.raise_for_status()


def _b64url(number: int) -> str:
    data = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _private_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, str]:
    """The key as a private JWK (RFC 7518 section 6.3), for the provider to sign with."""
    private, public = key.private_numbers(), key.public_key().public_numbers()
    numbers = {
        "n": public.n, "e": public.e, "d": private.d, "p": private.p, "q": private.q,
        "dp": private.dmp1, "dq": private.dmq1, "qi": private.iqmp,
    }  # fmt: skip
    return {"kty": "RSA", "kid": kid, **{k: _b64url(v) for k, v in numbers.items()}}


@contextlib.contextmanager
def running_provider(
    cert: str, key: str, ca_file: str, *, access_token_ttl: int = 600
) -> Iterator[RunningProvider]:
    signing = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings = {
        "signing_key": _private_jwk(signing, KID),
        "host": HOST,
        "cert": cert,
        "key": key,
        "client_id": CLIENT_ID,
        "introspection_secret": INTROSPECTION_SECRET,
        "access_token_ttl": access_token_ttl,
    }
    proc = subprocess.Popen(
        ["node", str(NODE_DIR / "provider.mjs"), json.dumps(settings)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], STARTUP_DEADLINE)
        line = proc.stdout.readline() if ready else b""
        if not line:
            proc.kill()
            _, err = proc.communicate(timeout=10)
            raise RuntimeError(f"oidc-provider did not start: {err.decode(errors='replace')}")
        public = signing.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        yield RunningProvider(json.loads(line)["issuer"], ca_file, public.decode(), KID)
    finally:
        stop(proc)


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.buttons: dict[str, str] = {}
        self.links: list[str] = []
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "button" and a.get("name"):  # may sit outside its form (form="id")
            self.buttons[a["name"]] = a.get("value", "")
        if self._done:
            return
        if tag == "form":
            self.action, self._in_form = a.get("action", ""), True
        elif self._in_form and tag == "input" and a.get("name"):
            self.fields[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._in_form:
            self._in_form, self._done = False, True


class Browser:
    """A person at the provider's pages: signs in as `login`, then allows or cancels."""

    def __init__(self, ca_file: str, login: str, *, allow: bool = True) -> None:
        self.client = httpx.Client(
            verify=ssl.create_default_context(cafile=ca_file), timeout=10, follow_redirects=False
        )
        self.login = login
        self.allow = allow
        self.pages: list[str] = []  # the provider pages seen, for the assertions

    def close(self) -> None:
        self.client.close()

    def open(self, url: str) -> str:
        """Walk from `url` to the redirect that leaves the provider; return that address."""
        response = self.client.get(url)
        for _ in range(_MAX_HOPS):
            if response.is_redirect:
                target = urljoin(str(response.url), response.headers["location"])
                if urlsplit(target).hostname == "127.0.0.1":
                    return target
                response = self.client.get(target)
                continue
            response = self._act(response)
        raise AssertionError(f"no way out of the provider's pages after {_MAX_HOPS} steps")

    def enter_code(self, page: str, user_code: str) -> None:
        """The device flow: type the code on the verification page, then sign in and allow."""
        response = self.client.get(page)
        for _ in range(_MAX_HOPS):
            if response.is_redirect:
                target = urljoin(str(response.url), response.headers["location"])
                response = self.client.get(target)
                continue
            if "<form" not in response.text:
                self.pages.append(response.text)
                return  # the "Sign-in Success" page: back to the device
            response = self._act(response, user_code=user_code)
        raise AssertionError("the device pages never finished")

    def _act(self, response: httpx.Response, user_code: str | None = None) -> httpx.Response:
        assert response.status_code == 200, (response.status_code, response.text[:500])
        self.pages.append(response.text)
        form = _FormReader()
        form.feed(response.text)
        if form.action is None:
            raise AssertionError(f"a provider page without a form: {response.text[:300]}")
        data = dict(form.fields)
        if "login" in data:
            data.update(login=self.login, password="any password")
        if "user_code" in data and user_code is not None:
            data["user_code"] = user_code
        is_consent = data.get("prompt") == "consent" or "abort" in form.buttons
        if is_consent and not self.allow:
            if "abort" in form.buttons:  # the device flow's own Cancel button
                data["abort"] = form.buttons["abort"]
                return self.client.post(urljoin(str(response.url), form.action), data=data)
            abort = next(link for link in form.links if "/abort" in link)
            return self.client.get(urljoin(str(response.url), abort))
        return self.client.post(urljoin(str(response.url), form.action), data=data)
