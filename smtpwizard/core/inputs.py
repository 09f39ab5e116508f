"""Understanding what people paste: hosts, ports, addresses, usernames.

Everything that ends up on the wire passes through here first, so CR, LF and NUL (command
injection into SMTP) are refused before a single byte is sent.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import InputError
from .settings import Security

MAX_HOST_LENGTH = 253
MAX_FIELD_LENGTH = 320  # longest legal email address; generous for usernames too
_FORBIDDEN = ("\r", "\n", "\x00")
_SCHEME_SECURITY = {
    "smtp": None,
    "submission": Security.STARTTLS,
    "smtps": Security.TLS,
    "ssmtp": Security.TLS,
    "ssl": Security.TLS,
    "tls": Security.TLS,
    "starttls": Security.STARTTLS,
}
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def refuse_control_characters(value: str, what: str, field: str | None = None) -> None:
    """Refuse characters that would let a value start a new SMTP command."""
    for char in _FORBIDDEN:
        if char in value:
            name = {"\r": "a line break", "\n": "a line break", "\x00": "a NUL character"}[char]
            raise InputError(f"The {what} contains {name}, which is not allowed.", field)


@dataclass(frozen=True, slots=True)
class ParsedHost:
    host: str  # ASCII (IDNA) form, lower case, what goes on the wire
    port: int | None = None  # when the pasted text carried one
    security: Security | None = None  # when the pasted scheme implied one
    display: str = ""  # the Unicode form for people


def parse_port(value: str | int, field: str = "port") -> int:
    if isinstance(value, int) and not 1 <= value <= 65535:
        # Before str(): a huge int (from a hand-edited JSON file) cannot even be printed.
        raise InputError("The port must be a number between 1 and 65535.", field)
    text = str(value).strip()
    if not text:
        raise InputError("Please enter a port number, for example 587.", field)
    if not text.isdigit() or not text.isascii():
        raise InputError(
            f"The port must be a number between 1 and 65535 (you entered {text[:20]!r}).", field
        )
    # Length first: int() refuses strings over 4300 digits with a ValueError of its own.
    port = int(text) if len(text) <= 10 else 0
    if not 1 <= port <= 65535:
        shown = text if len(text) <= 10 else text[:10] + "…"
        raise InputError(f"The port must be between 1 and 65535, not {shown}.", field)
    return port


def parse_host(value: str, field: str = "host") -> ParsedHost:
    """Accept "smtp.example.com", " smtp://host:587 ", "host:465", "[::1]:25", IDN names."""
    refuse_control_characters(value, "server name", field)
    text = value.strip().strip("/")
    if not text:
        raise InputError("Please enter the server name, for example smtp.example.com.", field)
    if len(text) > 2 * MAX_HOST_LENGTH:
        raise InputError("That server name is far too long to be real.", field)
    if any(ch.isspace() for ch in text):
        raise InputError("A server name cannot contain spaces.", field)
    security: Security | None = None
    port: int | None = None
    if "://" in text:
        scheme = text.split("://", 1)[0].lower()
        if scheme not in _SCHEME_SECURITY:
            raise InputError(
                f"{scheme!r} is not a mail server address. Enter just the server name, "
                "for example smtp.example.com.",
                field,
            )
        security = _SCHEME_SECURITY[scheme]
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError as exc:
            raise InputError("The port in that address is not a valid number.", field) from exc
        text = parts.hostname or ""
        if parts.password is not None:
            raise InputError(
                "That address contains a password. Enter only the server name here; "
                "the password has its own field.",
                field,
            )
    elif text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise InputError("A '[' in the server name is missing its ']'.", field)
        rest = text[end + 1 :]
        text = text[1:end]
        if rest:
            if not rest.startswith(":"):
                raise InputError("Unexpected text after the server address.", field)
            port = parse_port(rest[1:], field)
    elif text.count(":") == 1:
        text, port_text = text.split(":")
        port = parse_port(port_text, field)
    if "@" in text:
        raise InputError(
            "That looks like an email address. The server name is something like smtp.example.com.",
            field,
        )
    if "/" in text or "?" in text or "#" in text:
        raise InputError("Enter only the server name, without a path.", field)
    host = _normalise_host(text, field)
    if port is not None and not 1 <= port <= 65535:
        raise InputError(f"The port must be between 1 and 65535, not {port}.", field)
    return ParsedHost(host=host, port=port, security=security, display=_display_host(host))


def is_ip(host: str) -> bool:
    """An IPv4 or IPv6 address (as ipaddress reads one), not a name."""
    # Most hosts are names: answer those without ipaddress's two exceptions (~25 us a name).
    if ":" not in host:
        digits = host.replace(".", "")
        if not (digits.isascii() and digits.isdigit()):
            return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _normalise_host(text: str, field: str) -> str:
    if is_ip(text):
        return str(ipaddress.ip_address(text))
    name = text.rstrip(".").lower()
    if len(name) > MAX_HOST_LENGTH:
        raise InputError("That server name is longer than DNS allows (253 characters).", field)
    if not name:
        raise InputError("Please enter the server name, for example smtp.example.com.", field)
    if name.isascii() and "--" not in name and all(map(_LABEL.match, name.split("."))):
        # Letters, digits and single hyphens: IDNA (UTS 46) gives it back unchanged, and
        # asking it costs more than a discovery's provider lookup (tests/core/test_inputs.py).
        return name
    import idna  # here: its tables are most of a megabyte the idle wizard never needs

    try:
        ascii_name = idna.encode(name, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise InputError(f"{_quote(text)} is not a valid server name ({exc}).", field) from exc
    if len(ascii_name) > MAX_HOST_LENGTH:
        raise InputError("That server name is longer than DNS allows (253 characters).", field)
    for label in ascii_name.split("."):
        if not _LABEL.match(label):
            raise InputError(
                f"{_quote(text)} is not a valid server name: use letters, digits, dots and "
                "hyphens.",
                field,
            )
    return ascii_name


def _quote(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _display_host(host: str) -> str:
    if "xn--" not in host.lower():
        return host  # nothing to decode (and no need to load idna)
    import idna

    try:
        return idna.decode(host)
    except idna.IDNAError:
        return host


_LOCAL_ATOM = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-\u0080-\U0010ffff]+$")


def parse_email(value: str, field: str = "email") -> str:
    """Return the address with its domain in ASCII (IDNA); the local part is kept as typed."""
    refuse_control_characters(value, "email address", field)
    text = value.strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    if not text:
        raise InputError("Please enter an email address, for example anna@example.com.", field)
    if len(text) > MAX_FIELD_LENGTH:
        raise InputError("That email address is too long to be real.", field)
    if text.count("@") != 1:
        raise InputError(
            f"{text[:80]!r} is not an email address: it needs exactly one '@', "
            "like anna@example.com.",
            field,
        )
    local, domain = text.split("@")
    if not local or len(local) > 64 or not _LOCAL_ATOM.match(local):
        raise InputError(f"The part before '@' in {text[:80]!r} is not valid.", field)
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise InputError(f"The part before '@' in {text[:80]!r} has misplaced dots.", field)
    if domain.startswith("["):
        raise InputError("Please use an address with a domain name, not an IP address.", field)
    try:
        ascii_domain = _normalise_host(domain, field)
    except InputError as exc:
        raise InputError(
            f"The part after '@' in {text[:80]!r} is not a valid domain.", field
        ) from exc
    if "." not in ascii_domain:
        raise InputError(
            f"The part after '@' in {text[:80]!r} needs a dot, like example.com.", field
        )
    return f"{local}@{ascii_domain}"


def email_domain(address: str) -> str:
    return address.rsplit("@", 1)[1].lower()


def parse_username(value: str, field: str = "username") -> str:
    refuse_control_characters(value, "username", field)
    text = value.strip()
    if len(text) > MAX_FIELD_LENGTH:
        raise InputError("That username is too long to be real.", field)
    return text


def parse_display_name(value: str, field: str = "display_name") -> str:
    refuse_control_characters(value, "name", field)
    text = value.strip()
    if len(text) > 200:
        raise InputError("That name is too long; please shorten it.", field)
    return text


def parse_fingerprint(value: str, field: str = "fingerprint") -> str:
    """SHA-256 fingerprint as 64 lower-case hex digits; colons, spaces and 'sha256:' allowed."""
    text = value.strip().lower()
    if text.startswith("sha256:"):
        text = text[7:]
    text = text.replace(":", "").replace(" ", "")
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise InputError(
            "A certificate fingerprint is 64 hexadecimal digits (SHA-256), "
            "as shown in the check's certificate details.",
            field,
        )
    return text


def parse_resolve(value: str, field: str = "resolve") -> tuple[str, str]:
    """--resolve HOST:IP, like curl's: connect to IP, verify the certificate for HOST."""
    text = value.strip()
    if ":" not in text:
        raise InputError("--resolve takes HOST:IP, for example mail.example.com:127.0.0.2.", field)
    host_text, ip_text = text.split(":", 1)
    host = parse_host(host_text, field).host
    ip_text = ip_text.strip("[]")
    try:
        ip = str(ipaddress.ip_address(ip_text))
    except ValueError as exc:
        raise InputError(f"{ip_text!r} in --resolve is not an IP address.", field) from exc
    return host, ip


def parse_dns_server(value: str, field: str = "dns_server") -> tuple[str, int]:
    """--dns-server IP[:PORT]"""
    text = value.strip()
    port = 53
    if text.startswith("["):
        end = text.find("]")
        host_part, rest = text[1:end], text[end + 1 :]
        if end < 0 or (rest and not rest.startswith(":")):
            # "[::1" or "[::1]junk" must not quietly become another address.
            raise InputError(f"--dns-server takes [IPv6]:PORT, not {text[:60]!r}.", field)
        if rest:
            port = parse_port(rest[1:], field)
    elif text.count(":") == 1:
        host_part, port_text = text.split(":")
        port = parse_port(port_text, field)
    else:
        host_part = text
    try:
        ip = str(ipaddress.ip_address(host_part))
    except ValueError as exc:
        raise InputError(
            f"--dns-server takes an IP address (optionally :PORT), not {host_part[:60]!r}.", field
        ) from exc
    return ip, port
