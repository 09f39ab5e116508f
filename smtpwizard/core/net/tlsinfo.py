"""What we learned about a TLS connection and its certificate, in a form people can read."""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import os
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography import x509

from ..servertext import clean


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    subject: str
    issuer: str
    san_names: tuple[str, ...]
    not_before: datetime
    not_after: datetime
    fingerprint_sha256: str  # lower-case hex, no colons
    self_signed: bool

    @property
    def fingerprint_display(self) -> str:
        return ":".join(self.fingerprint_sha256[i : i + 2] for i in range(0, 64, 2)).upper()

    def expired(self, now: datetime | None = None) -> bool:
        return (now or datetime.now(UTC)) > self.not_after

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "san_names": list(self.san_names),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "fingerprint_sha256": self.fingerprint_sha256,
            "self_signed": self.self_signed,
        }


@dataclass(frozen=True, slots=True)
class TlsInfo:
    version: str
    cipher: str
    bits: int | None
    certificate: CertificateInfo | None
    verified: bool  # by the system/extra CAs, or pinned by the user's explicit trust
    pinned: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "cipher": self.cipher,
            "bits": self.bits,
            "verified": self.verified,
            "pinned": self.pinned,
            "certificate": self.certificate.to_dict() if self.certificate else None,
        }


def _name(name: x509.Name) -> str:
    from cryptography.x509.oid import NameOID

    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        attrs = name.get_attributes_for_oid(oid)
        if attrs:
            return clean(attrs[0].value)
    return clean(name.rfc4514_string()) or "(no name)"


def certificate_info(der: bytes) -> CertificateInfo:
    """Any certificate, verified or not (cryptography parses the DER)."""
    from cryptography import x509

    cert = x509.load_der_x509_certificate(der)
    names: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names.extend(san.get_values_for_type(x509.DNSName))
        names.extend(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
    except x509.ExtensionNotFound:
        pass
    return CertificateInfo(
        subject=_name(cert.subject),
        issuer=_name(cert.issuer),
        san_names=tuple(clean(n) for n in names),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        fingerprint_sha256=hashlib.sha256(der).hexdigest(),
        self_signed=cert.issuer == cert.subject,
    )


# The keys cryptography's rfc4514_string() shortens (the ssl module spells them out).
_RFC4514 = {
    "commonName": "CN",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "countryName": "C",
    "stateOrProvinceName": "ST",
    "localityName": "L",
    "streetAddress": "STREET",
    "domainComponent": "DC",
    "userId": "UID",
}


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _cert_time(text: str) -> datetime:
    """OpenSSL's "Jan  5 09:34:43 2018 GMT"; ssl.cert_time_to_seconds goes through strptime,
    a tenth of a probe's certificate handling (bench/probe.py), for this one fixed format."""
    parts = text.split()
    try:
        month, day, clock, year, zone = parts
        hour, minute, second = clock.split(":")
        if zone == "GMT" and month in _MONTHS:
            return datetime(
                int(year), _MONTHS.index(month) + 1, int(day),
                int(hour), int(minute), int(second), tzinfo=UTC,
            )  # fmt: skip
    except ValueError:
        pass
    return datetime.fromtimestamp(ssl.cert_time_to_seconds(text), UTC)  # raises for nonsense


def verified_certificate_info(decoded: dict[str, Any], der: bytes) -> CertificateInfo:
    """The same facts from the ssl module's own decoding, which it gives for verified peers.

    Spares a check the cryptography package (about 40 ms of start-up and 5 MiB), which is
    then needed only to describe a certificate that failed verification.
    """

    def name(rdns: Any) -> str:
        fields = {key: value for rdn in rdns for key, value in rdn}
        for key in ("commonName", "organizationName"):
            if fields.get(key):
                return str(fields[key])
        parts = (f"{_RFC4514.get(k, k)}={v}" for rdn in reversed(rdns) for k, v in rdn)
        return ",".join(parts) or "(no name)"

    alt = decoded.get("subjectAltName", ())
    names = [v for k, v in alt if k == "DNS"]
    names += [str(ipaddress.ip_address(v.strip())) for k, v in alt if k == "IP Address"]
    return CertificateInfo(
        subject=name(decoded.get("subject", ())),
        issuer=name(decoded.get("issuer", ())),
        san_names=tuple(names),
        not_before=_cert_time(decoded["notBefore"]),
        not_after=_cert_time(decoded["notAfter"]),
        fingerprint_sha256=hashlib.sha256(der).hexdigest(),
        self_signed=decoded.get("issuer") == decoded.get("subject"),
    )


def tls_info_from(
    ssl_object: ssl.SSLObject | ssl.SSLSocket | None, *, pinned: bool
) -> TlsInfo | None:
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    decoded = ssl_object.getpeercert()  # empty unless the chain was verified
    cipher = ssl_object.cipher()
    if not der:
        certificate = None
    elif decoded and "notAfter" in decoded:
        certificate = verified_certificate_info(dict(decoded), der)
    else:
        certificate = certificate_info(der)
    return TlsInfo(
        version=ssl_object.version() or "unknown",
        cipher=cipher[0] if cipher else "unknown",
        bits=cipher[2] if cipher else None,
        certificate=certificate,
        verified=True,
        pinned=pinned,
    )


def make_client_context(
    ca_file: str | None, *, pinned: bool, for_web: bool = False
) -> ssl.SSLContext:
    """System trust plus an optional extra CA bundle; with a pin, trust is decided by fingerprint.

    A pinned context does not verify the chain (the user has explicitly accepted exactly one
    certificate); the caller MUST compare the peer's fingerprint before sending anything.
    Contexts are shared: loading the system's certificate store costs ~20 ms each time, and a
    probe makes a dozen checks. A changed CA file (new size or time) gets a new context.
    """
    stamp: tuple[int, int] | None = None
    if ca_file and not pinned:
        try:
            info = os.stat(ca_file)
            stamp = (info.st_mtime_ns, info.st_size)
        except OSError:
            stamp = None  # loading it below raises the clear error
    # A web context says it speaks HTTP/1.1 (ALPN; httpx sets the same on its own): it gets
    # its own, never the SMTP one.
    return _client_context(ca_file if not pinned else None, pinned, stamp, for_web)


@functools.lru_cache(maxsize=16)
def _client_context(
    ca_file: str | None, pinned: bool, _stamp: tuple[int, int] | None, _for_web: bool
) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    # A name only in the subject's CN is not a name the certificate vouches for (RFC 6125,
    # CA/Browser Forum): without this, Python's ssl falls back to the CN when there is no SAN.
    context.hostname_checks_common_name = False
    if pinned:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif ca_file:
        context.load_verify_locations(cafile=ca_file)
    if _for_web:
        context.set_alpn_protocols(["http/1.1"])
    return context


@functools.lru_cache(maxsize=1)
def unverified_context() -> ssl.SSLContext:
    """Only for looking at a certificate that failed verification, never for sending data."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context
