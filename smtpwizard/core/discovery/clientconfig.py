"""Parsing Thunderbird's clientConfig v1.1 documents (autoconfig and ISPDB), safely.

Pure: bytes in, ClientConfig out. defusedxml refuses entity expansion (billion laughs) and
external references; every entry we cannot use is listed in `ignored` with the reason.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # types and ParseError only: parsing goes through defusedxml
from dataclasses import dataclass

import defusedxml
import defusedxml.ElementTree as SafeET

from ..errors import InputError
from ..inputs import parse_host, refuse_control_characters
from ..servertext import clean
from ..settings import IncomingProtocol, IncomingServer, Security
from .model import OAuth2Block
from .providers import expand_placeholders

__all__ = [
    "ClientConfig",
    "ClientConfigError",
    "Documentation",
    "EnableStep",
    "OAuth2Block",
    "OutgoingEntry",
    "parse_client_config",
]

_SOCKET_TYPES = {"plain": Security.NONE, "ssl": Security.TLS, "starttls": Security.STARTTLS}
_OAUTH = "oauth2"
_MAX_SERVERS = 20  # per direction; real documents have one to three
_MAX_SCOPES = 20
_MAX_FIELD = 2048
_MAX_LINKS = 10  # documentation / enable entries kept (zoho.eu has 7)
_MAX_TEXT = 300  # characters of one instruction or description
_NO_PASSWORD = {"none", "client-ip-address"}


class ClientConfigError(ValueError):
    """The whole document is unusable; str(error) is a plain reason."""


@dataclass(frozen=True, slots=True)
class OutgoingEntry:
    host: str
    port: int
    security: Security
    username: str | None
    authentication: tuple[str, ...]  # as written: password-cleartext, OAuth2, none, ...

    # <restriction> values (Thunderbird's clientConfig v1.1): "client-IP-address" means the
    # server only takes mail from the provider's own network.
    restriction: tuple[str, ...] = ()

    @property
    def password_encrypted(self) -> bool:
        """Only "password-encrypted" among the password methods (Thunderbird's CRAM-MD5 & co)."""
        auth = {a.lower() for a in self.authentication}
        return "password-encrypted" in auth and "password-cleartext" not in auth

    @property
    def oauth_only(self) -> bool:
        return bool(self.authentication) and all(a.lower() == _OAUTH for a in self.authentication)

    @property
    def no_password(self) -> bool:
        """The entry signs in with nothing (authentication "none" / by client address)."""
        auth = {a.lower() for a in self.authentication}
        return bool(auth) and auth <= _NO_PASSWORD

    @property
    def own_network_only(self) -> bool:
        restricted = {r.lower() for r in self.restriction} | {
            a.lower() for a in self.authentication
        }
        return "client-ip-address" in restricted

    def notes(self, *, admin_can_allow_passwords: bool = False) -> tuple[str, ...]:
        notes: list[str] = []
        if self.oauth_only:
            if admin_can_allow_passwords:
                notes.append(
                    "Thunderbird's database lists only sign-in through the provider's own "
                    "sign-in page (OAuth2) here. A password works only if an administrator has "
                    "allowed password sign-in (SMTP AUTH) for your mailbox."
                )
            else:
                notes.append(
                    "This provider only allows signing in through its own sign-in page "
                    "(OAuth2): an ordinary password will be refused."
                )
        if self.no_password:
            notes.append(
                "This server does not ask for a password: it accepts mail only from the "
                "provider's own network (when you are online through that provider)."
            )
        elif self.own_network_only:
            notes.append(
                "This server only accepts mail sent from the provider's own network: it will "
                "not work when you are online through another company's internet connection."
            )
        if self.security is Security.NONE and not self.no_password:
            notes.append(
                "This server is listed without encryption: your password would be readable."
            )
        return tuple(notes)


@dataclass(frozen=True, slots=True)
class Documentation:
    url: str
    description: str | None  # the English <descr>, when there is one


@dataclass(frozen=True, slots=True)
class EnableStep:
    """<enable visiturl=...><instruction>: something the user must switch on first."""

    url: str | None
    instruction: str | None


@dataclass(frozen=True, slots=True)
class ClientConfig:
    provider_id: str | None
    display_name: str | None
    domains: tuple[str, ...]
    outgoing: tuple[OutgoingEntry, ...]  # preference order, as in the document
    incoming: tuple[IncomingServer, ...]
    ignored: tuple[str, ...]  # one plain reason per entry we could not use
    oauth2: OAuth2Block | None = None
    documentation: tuple[Documentation, ...] = ()
    enable: tuple[EnableStep, ...] = ()

    def notes(self) -> tuple[str, ...]:
        """The document's own instructions and help links, in plain words."""
        notes: list[str] = []
        for step in self.enable:
            text = step.instruction or "Switch on access for mail programs in your account first."
            notes.append(f"{text} ({step.url})" if step.url else text)
        # Documents list help for every protocol (zoho.eu: seven links); sending is what we
        # do, so the SMTP pages if any are marked, else the first link.
        smtp_docs = [d for d in self.documentation if "smtp" in f"{d.url} {d.description}".lower()]
        for doc in smtp_docs or self.documentation[:1]:
            what = doc.description or "Your provider's instructions"
            notes.append(f"{what}: {doc.url}")
        return tuple(notes)


def parse_client_config(data: bytes, email: str) -> ClientConfig:
    """Parse a clientConfig document for this address (placeholders are filled in)."""
    root = _parse_xml(data)
    if _local(root.tag) != "clientConfig":
        raise ClientConfigError(
            f"this is not an email configuration document (its top element is <{_local(root.tag)}>)"
        )
    provider = next((el for el in root if _local(el.tag) == "emailProvider"), None)
    if provider is None:
        raise ClientConfigError("the document has no <emailProvider> section")
    ignored: list[str] = []
    outgoing: list[OutgoingEntry] = []
    incoming: list[IncomingServer] = []
    for element in provider:
        tag = _local(element.tag)
        if tag == "outgoingServer" and len(outgoing) < _MAX_SERVERS:
            entry = _outgoing(element, email, ignored)
            if entry:
                outgoing.append(entry)
        elif tag == "incomingServer" and len(incoming) < _MAX_SERVERS:
            server = _incoming(element, email, ignored)
            if server:
                incoming.append(server)
    domains = tuple(
        (el.text or "").strip().lower()
        for el in provider
        if _local(el.tag) == "domain" and (el.text or "").strip()
    )
    block = next((el for el in root if _local(el.tag) == "oAuth2"), None)
    return ClientConfig(
        oauth2=_oauth2(block, ignored) if block is not None else None,
        provider_id=provider.get("id"),
        # Shown to people: passes the boundary. Hosts and usernames are parsed and refused
        # instead (they go on the wire, where a changed value would be wrong).
        display_name=clean(_text(provider, "displayName") or "") or None,
        domains=domains,
        outgoing=tuple(outgoing),
        incoming=tuple(incoming),
        ignored=tuple(ignored),
        documentation=_documentation(provider),
        enable=_enable(provider),
    )


def _english(element: ET.Element, name: str) -> str | None:
    """The child text in English (lang="en" or no lang), cleaned for display."""
    for child in element:
        if _local(child.tag) == name and child.get("lang", "en").lower().startswith("en"):
            return _clean(child.text or "")
    return None


def _clean(text: str) -> str | None:
    text = " ".join(text.split())
    if not text or any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in text):
        return None
    return text[:_MAX_TEXT]


def _link(value: str | None) -> str | None:
    """A help link we may show: http(s), printable, no spaces, bounded."""
    if not value:
        return None
    value = value.strip()
    if not value.lower().startswith(("https://", "http://")) or len(value) > 500:
        return None
    if any(c.isspace() or ord(c) < 33 or ord(c) == 0x7F for c in value):
        return None
    return value


def _documentation(provider: ET.Element) -> tuple[Documentation, ...]:
    docs: list[Documentation] = []
    for element in provider:
        if _local(element.tag) != "documentation" or len(docs) >= _MAX_LINKS:
            continue
        url = _link(element.get("url"))
        if url:
            docs.append(Documentation(url, _english(element, "descr")))
    return tuple(docs)


def _enable(provider: ET.Element) -> tuple[EnableStep, ...]:
    steps: list[EnableStep] = []
    for element in provider:
        if _local(element.tag) != "enable" or len(steps) >= _MAX_LINKS:
            continue
        url = _link(element.get("visiturl"))
        instruction = _english(element, "instruction")
        if url or instruction:
            steps.append(EnableStep(url, instruction))
    return tuple(steps)


def _parse_xml(data: bytes) -> ET.Element:
    try:
        root: ET.Element = SafeET.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except defusedxml.DTDForbidden as exc:
        # Real clientConfig documents never have a DOCTYPE. Parse again allowing it, only to
        # name the trick precisely when there is one (entities); refuse either way.
        _parse_allowing_dtd(data)
        raise ClientConfigError(
            "the document has a <!DOCTYPE> declaration, which configuration documents never "
            "need; refused"
        ) from exc
    except ET.ParseError as exc:
        raise ClientConfigError(f"the document is not well-formed XML ({exc})") from exc
    except ValueError as exc:  # e.g. an unknown encoding declaration
        raise ClientConfigError(f"the document could not be read as XML ({exc})") from exc
    return root


def _parse_allowing_dtd(data: bytes) -> None:
    try:
        SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.EntitiesForbidden as exc:
        raise ClientConfigError(
            "the document declares XML entities, a trick used to blow up memory or read "
            f"files (entity {exc.name!r}); refused"
        ) from exc
    except defusedxml.ExternalReferenceForbidden as exc:
        raise ClientConfigError(
            "the document refers to outside files or addresses (an external XML reference); refused"
        ) from exc
    except (defusedxml.DefusedXmlException, ET.ParseError, ValueError):
        pass  # the DOCTYPE reason is given instead


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element: ET.Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            text = (child.text or "").strip()
            return text or None
    return None


def _endpoint(
    element: ET.Element, email: str, what: str, ignored: list[str]
) -> tuple[str, int, Security, str | None] | None:
    raw_host = _text(element, "hostname")
    if not raw_host:
        ignored.append(f"{what}: no hostname")
        return None
    try:
        parsed = parse_host(expand_placeholders(raw_host, email))
    except InputError as exc:
        ignored.append(f"{what} {raw_host[:80]!r}: {exc.message}")
        return None
    if parsed.port is not None or parsed.security is not None:
        ignored.append(f"{what} {raw_host[:80]!r}: the hostname must be a bare name")
        return None
    host = parsed.host
    port_text = _text(element, "port") or ""
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        ignored.append(f"{what} {host}: port {port_text[:20]!r} is not between 1 and 65535")
        return None
    # Thunderbird takes the first socketType it knows (readFromXML in mail/components/
    # accountcreation tolerates unknown values for forwards-compatibility, and falls back).
    socket_types = [
        (child.text or "").strip().lower() for child in element if _local(child.tag) == "socketType"
    ]
    socket_type = next((t for t in socket_types if t in _SOCKET_TYPES), None)
    if socket_type is None:
        shown = socket_types[0][:20] if socket_types else ""
        ignored.append(
            f"{what} {host}: unknown socketType {shown!r} (expected plain, SSL or STARTTLS)"
        )
        return None
    username = _text(element, "username")
    if username is not None:
        username = expand_placeholders(username, email)
        try:
            refuse_control_characters(username, "username")
        except InputError as exc:
            ignored.append(f"{what} {host}: {exc.message}")
            return None
    return host, int(port_text), _SOCKET_TYPES[socket_type], username


def _outgoing(element: ET.Element, email: str, ignored: list[str]) -> OutgoingEntry | None:
    kind = element.get("type", "")
    if kind.lower() != "smtp":
        ignored.append(f"outgoing server of type {kind[:20]!r} (only smtp is usable)")
        return None
    endpoint = _endpoint(element, email, "outgoing server", ignored)
    if endpoint is None:
        return None
    host, port, security, username = endpoint
    auth = _texts(element, "authentication")
    restriction = _texts(element, "restriction")
    if auth and {a.lower() for a in auth} <= _NO_PASSWORD:
        username = None  # nothing to sign in with: proposing a username would mislead
    return OutgoingEntry(host, port, security, username, auth, restriction)


def _texts(element: ET.Element, name: str) -> tuple[str, ...]:
    return tuple(
        (child.text or "").strip()[:40]
        for child in element
        if _local(child.tag) == name and (child.text or "").strip()
    )


def _incoming(element: ET.Element, email: str, ignored: list[str]) -> IncomingServer | None:
    kind = element.get("type", "").lower()
    if kind not in ("imap", "pop3"):
        ignored.append(f"incoming server of type {kind[:20]!r} (only imap and pop3 are kept)")
        return None
    endpoint = _endpoint(element, email, f"incoming {kind} server", ignored)
    if endpoint is None:
        return None
    host, port, security, username = endpoint
    return IncomingServer(IncomingProtocol(kind), host, port, security, username)


def _oauth2(element: ET.Element, ignored: list[str]) -> OAuth2Block | None:
    fields: dict[str, str | None] = {}
    for name in ("issuer", "scope", "authURL", "tokenURL"):
        value = _text(element, name)
        if value is not None:
            # The ISPDB wraps long scope lists over lines: whitespace is a separator (so no
            # line break survives; XML itself cannot hold a NUL).
            value = " ".join(value.split())
            if len(value) > _MAX_FIELD:
                ignored.append(f"oAuth2 {name}: longer than {_MAX_FIELD} characters")
                return None
        fields[name] = value
    scopes = tuple((fields["scope"] or "").split())
    if len(scopes) > _MAX_SCOPES:
        ignored.append(f"oAuth2 scope: {len(scopes)} scopes is too many")
        return None
    return OAuth2Block(fields["issuer"], scopes, fields["authURL"], fields["tokenURL"])
