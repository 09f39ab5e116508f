"""Lab certificates: one trustme CA per Lab; good, expired, mismatched and self-signed leaves.

A persistent store (the demo server) keeps the CA certificate and one server certificate on disk
so a CA file path handed to a user keeps working across runs. The CA's private key is never
written: when the stored certificate no longer fits, a fresh CA replaces the old one
(at the same path).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
import ssl
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

MISMATCH_NAME = "box123.lab-hosting.test"
_ORG = "smtpwizard lab"


class CertKind(Enum):
    GOOD = "good"  # lab CA, valid for localhost + the bound address
    MISMATCH = "mismatch"  # lab CA, valid only for MISMATCH_NAME
    EXPIRED = "expired"  # lab CA, right names, expired yesterday
    SELF_SIGNED = "self_signed"  # its own issuer, not from the lab CA


@dataclass(frozen=True, slots=True)
class ServerCert:
    context: ssl.SSLContext
    fingerprint: str  # SHA-256 of the leaf's DER, lower-case hex without colons
    tls_name: str  # a DNS name the certificate is valid for


def fingerprint_of_pem(pem: bytes) -> str:
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem.decode("ascii"))).hexdigest()


def names_for(host: str) -> tuple[str, ...]:
    names = ["localhost", "127.0.0.1"]
    if host not in names:
        names.append(host)
    return tuple(names)


def _server_context(chain_file: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(chain_file)
    return ctx


def _write_private(path: Path, data: bytes) -> None:
    """Owner-only file, replaced atomically so a concurrent reader never sees half of it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def _self_signed_pem(names: tuple[str, ...]) -> tuple[bytes, bytes]:
    """(key PEM, cert PEM) of a leaf that is its own issuer: verify code 18 for a client."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _ORG + " (self-signed)"),
            x509.NameAttribute(NameOID.COMMON_NAME, names[0]),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([_general_name(n) for n in names]), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


class LabCertificates:
    """Issues and caches server TLS contexts; writes ca.pem (and leaf files) under workdir."""

    def __init__(self, workdir: Path, *, persistent: bool = False) -> None:
        self.workdir = workdir
        self.ca_file = workdir / "ca.pem"
        self._persistent = persistent
        self._ca: trustme.CA | None = None
        self._cache: dict[tuple[CertKind, tuple[str, ...]], ServerCert] = {}
        if not persistent:
            self._new_ca()

    def _new_ca(self) -> trustme.CA:
        self._ca = trustme.CA(organization_name=_ORG)
        self._cache.clear()
        self.ca_file.parent.mkdir(parents=True, exist_ok=True)
        _write_private(self.ca_file, self._ca.cert_pem.bytes())
        return self._ca

    def server_cert(self, kind: CertKind, host: str) -> ServerCert:
        names = (MISMATCH_NAME,) if kind is CertKind.MISMATCH else names_for(host)
        key = (kind, names)
        if key not in self._cache:
            self._cache[key] = self._issue(kind, names)
        return self._cache[key]

    def _issue(self, kind: CertKind, names: tuple[str, ...]) -> ServerCert:
        if self._persistent:
            if kind is not CertKind.GOOD:
                raise ValueError("a persistent (demo) lab only serves good certificates")
            return self._persistent_good(names)
        chain_file = self.workdir / f"server-{kind.value}-{len(self._cache)}.pem"
        if kind is CertKind.SELF_SIGNED:
            key_pem, cert_pem = _self_signed_pem(names)
            _write_private(chain_file, key_pem + cert_pem)
        else:
            assert self._ca is not None
            not_after = None
            if kind is CertKind.EXPIRED:
                not_after = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=1)
            leaf = self._ca.issue_cert(*names, not_after=not_after)
            cert_pem = leaf.cert_chain_pems[0].bytes()
            _write_private(chain_file, leaf.private_key_and_cert_chain_pem.bytes())
        return ServerCert(_server_context(chain_file), fingerprint_of_pem(cert_pem), names[0])

    def _persistent_good(self, names: tuple[str, ...]) -> ServerCert:
        chain_file = self.workdir / "server.pem"
        cert_pem = _load_fitting_leaf(chain_file, self.ca_file, names)
        if cert_pem is None:
            ca = self._ca if self._ca is not None else self._new_ca()
            leaf = ca.issue_cert(*names)
            _write_private(chain_file, leaf.private_key_and_cert_chain_pem.bytes())
            cert_pem = leaf.cert_chain_pems[0].bytes()
        return ServerCert(_server_context(chain_file), fingerprint_of_pem(cert_pem), names[0])


def _load_fitting_leaf(chain_file: Path, ca_file: Path, names: tuple[str, ...]) -> bytes | None:
    """The stored leaf's PEM if the stored CA issued it, it covers names and lives a week more."""
    try:
        chain = x509.load_pem_x509_certificates(chain_file.read_bytes())
        ca = x509.load_pem_x509_certificate(ca_file.read_bytes())
        leaf = chain[0]
        leaf.verify_directly_issued_by(ca)
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        serialization.load_pem_private_key(chain_file.read_bytes(), password=None)
    except Exception:  # missing, unreadable, foreign or tampered files: issue anew
        return None
    covered = {str(v) for v in san.get_values_for_type(x509.DNSName)}
    covered |= {str(v) for v in san.get_values_for_type(x509.IPAddress)}
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
    if not set(names) <= covered or leaf.not_valid_after_utc < soon:
        return None
    if ca.not_valid_after_utc < soon:
        return None
    return leaf.public_bytes(serialization.Encoding.PEM)
