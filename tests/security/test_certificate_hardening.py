"""Certificate and privacy hardening: CN-only certificates, EHLO, and an http:// ISPDB.

- A certificate signed by a trusted authority that names the server only in its subject CN (no
  subjectAltName) used to pass, because Python's ssl falls back to the CN. It is refused now,
  with its own diagnosis, before any password is sent.
- EHLO announces nothing about this machine: "[127.0.0.1]", as Thunderbird sends.
- --ispdb-url refuses http://, as its help says.
"""

from __future__ import annotations

import datetime
import json
import os
import ssl
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .children import PASSWORD_ENV, run_cli
from .scripted_smtp import Script, ScriptedServer, scripted

HOST = "127.0.10.4"
NAME = "smtp.cnonly.test"


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _cert(
    subject: str,
    issuer: str,
    key: ec.EllipticCurvePrivateKey,
    signer: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
    san: list[str],
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
        builder = builder.add_extension(usage, critical=True)
    if san:
        names = [x509.DNSName(n) for n in san]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(CA file, CN-only leaf chain, its key): a real CA, a leaf with no subjectAltName."""
    folder = tmp_path_factory.mktemp("cnonly")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("CN-only Test CA", "CN-only Test CA", ca_key, ca_key, ca=True, san=[])
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = _cert(NAME, "CN-only Test CA", leaf_key, ca_key, ca=False, san=[])
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "leaf.pem").write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    (folder / "leaf.key").write_bytes(
        leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return folder / "ca.pem", folder / "leaf.pem", folder / "leaf.key"


def run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    done = run_cli(list(args), home=home, password="cn-only-secret")
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


def check(server: ScriptedServer, ca_file: Path) -> subprocess.CompletedProcess[str]:
    return run(
        "check", "--host", NAME, "--port", str(server.port), "--security", "starttls",
        "--user", "anna@cnonly.test", "--password-env", PASSWORD_ENV,
        "--resolve", f"{NAME}:{HOST}", "--ca-file", str(ca_file), "--timeout", "10", "--json",
        home=ca_file.parent,
    )  # fmt: skip


def test_a_certificate_naming_the_server_only_in_its_cn_is_refused(
    pki: tuple[Path, Path, Path],
) -> None:
    ca_file, chain, key = pki
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(chain, key)
    with scripted(Script(), context, HOST) as server:
        result = check(server, ca_file)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    d = report["diagnosis"]
    assert d["code"] == "cert_no_san", d
    assert NAME in d["explanation"] and "lists no server names" in d["explanation"]
    assert report["certificate_seen"]["san_names"] == []
    assert server.seen.auth == []  # no password for a certificate we could not match


def test_ehlo_announces_nothing_about_this_machine(tmp_path: Path) -> None:
    """Limit of this test: loopback connections here always come from 127.0.0.1, which is also
    the literal we send, so it cannot tell the old EHLO (our socket's own address, a LAN address
    on a real network) from the new one; it pins the exact argument and that no line carries
    this machine's host name."""
    import trustme

    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(NAME).configure_cert(context)
    with scripted(Script(), context, HOST) as server:
        result = check(server, ca_file)
    assert result.returncode == 0, result.stdout
    # Both EHLOs (before and after STARTTLS): Thunderbird's literal, never our address or name.
    assert server.seen.ehlo == [b"[127.0.0.1]", b"[127.0.0.1]"]
    assert all(os.uname().nodename.encode() not in line for line in server.seen.lines)


def test_ispdb_url_refuses_plain_http(tmp_path: Path) -> None:
    result = run(
        "discover", "anna@example.test", "--no-probe", "--ispdb-url",
        "http://127.0.10.4:1/v1.1/", "--timeout", "2", home=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    assert "must start with https://" in result.stderr
    assert "Traceback" not in result.stderr
