"""Certificates for the real-server lab: one trustme CA, a good leaf, a wrong-name leaf, a
self-signed leaf, all written as PEM files (Postfix, Dovecot and Exim read files)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# The name a shared-hosting box's certificate carries instead of the customer's mail name.
HOSTING_NAME = "box123.hosting.test"


@dataclass(frozen=True, slots=True)
class CertFiles:
    cert: Path  # leaf then chain
    key: Path


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    path.chmod(0o644)  # the servers drop root before reading some of these
    return path


class RealCerts:
    def __init__(self, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self._ca = trustme.CA(organization_name="smtpwizard real-server lab")
        self.ca_file = _write(workdir / "ca.pem", self._ca.cert_pem.bytes())

    def issued(self, stem: str, *names: str) -> CertFiles:
        leaf = self._ca.issue_cert(*names)
        cert = b"".join(pem.bytes() for pem in leaf.cert_chain_pems)
        return CertFiles(
            _write(self.workdir / f"{stem}.crt", cert),
            _write(self.workdir / f"{stem}.key", leaf.private_key_pem.bytes()),
        )

    def self_signed(self, stem: str, name: str) -> CertFiles:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(key, hashes.SHA256())
        )
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return CertFiles(
            _write(self.workdir / f"{stem}.crt", cert.public_bytes(serialization.Encoding.PEM)),
            _write(self.workdir / f"{stem}.key", key_pem),
        )
