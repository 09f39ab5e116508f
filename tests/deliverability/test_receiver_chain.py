"""The receiver's verdict, read back from a real receiving chain (see chain.py).

Messages from send.test go in from two client addresses: 127.0.17.5 (listed in send.test's SPF)
and 127.0.17.6 (not listed), DKIM-signed by dkimpy with the key published in the lab DNS or not
signed at all. We read each back over IMAPS with fetch_message and assert that what
read_verdict shows is what the chain's own milters wrote into the message.
"""

from __future__ import annotations

import base64
import email.utils
import json
import re
import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import dkim
import pytest
import trustme
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from smtpwizard.core.deliverability import MailboxError, fetch_message, read_verdict
from smtpwizard.core.settings import IncomingProtocol, IncomingServer, Security
from tests.discovery.servers import DnsServer, Zone

from .chain import AUTHSERV, IMAPS_PORT, MAILBOX, PASSWORD, RECEIVER, SMTP_PORT, running_chain
from .conftest import txt

AUTHORISED, STRANGER = "127.0.17.5", "127.0.17.6"
IMAPS = IncomingServer(IncomingProtocol.IMAP, RECEIVER, IMAPS_PORT, Security.TLS)


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


@pytest.fixture(scope="module")
def chain_dns(key: rsa.RSAPrivateKey) -> Iterator[DnsServer]:
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    zone = Zone()
    zone.add("send.test", "TXT", txt(f"v=spf1 ip4:{AUTHORISED} -all"))
    zone.add("send.test", "MX", "10 mx.send.test.")
    zone.add("mx.send.test", "A", AUTHORISED)
    zone.add(
        "lab._domainkey.send.test",
        "TXT",
        txt(f"v=DKIM1; k=rsa; p={base64.b64encode(public).decode()}"),
    )
    zone.add("_dmarc.send.test", "TXT", txt("v=DMARC1; p=reject; rua=mailto:d@send.test"))
    for address, name in ((AUTHORISED, "out.send.test"), (STRANGER, "other.lab.test")):
        zone.add(f"{address.split('.')[-1]}.17.0.127.in-addr.arpa", "PTR", f"{name}.")
        zone.add(name, "A", address)
    with DnsServer(zone, host="127.0.17.53", port=53) as server:
        yield server


@pytest.fixture(scope="module")
def chain_ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    ca = trustme.CA()
    folder = tmp_path_factory.mktemp("chainca")
    cert = ca.issue_cert(RECEIVER, AUTHSERV)
    cert.cert_chain_pems[0].write_to_path(str(folder / "cert.pem"))
    for blob in cert.cert_chain_pems[1:]:
        blob.write_to_path(str(folder / "cert.pem"), append=True)
    cert.private_key_pem.write_to_path(str(folder / "key.pem"))
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    return folder / "ca.pem", folder / "cert.pem", folder / "key.pem"


@pytest.fixture(scope="module")
def chain(chain_dns: DnsServer, chain_ca: tuple[Path, Path, Path]) -> Iterator:
    _ca, cert, key = chain_ca
    with running_chain(cert, key) as running:
        yield running


def chain_message(key: rsa.RSAPrivateKey | None, subject: str) -> tuple[bytes, str]:
    message = EmailMessage()
    message["From"] = "Ann Sender <ann@send.test>"
    message["To"] = MAILBOX
    message["Subject"] = subject
    message["Date"] = email.utils.formatdate()
    message_id = email.utils.make_msgid(domain="send.test")
    message["Message-ID"] = message_id
    message.set_content("A test message for the receiving chain.\n")
    data = message.as_bytes().replace(b"\n", b"\r\n")
    if key is not None:
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        data = (
            dkim.sign(
                data,
                b"lab",
                b"send.test",
                pem,
                include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
            )
            + data
        )
    return data, message_id


def send_from(data: bytes, source: str) -> None:
    with smtplib.SMTP(
        RECEIVER, SMTP_PORT, local_hostname="out.send.test", timeout=30, source_address=(source, 0)
    ) as smtp:
        smtp.sendmail("ann@send.test", [MAILBOX], data)


def _stamped(header: bytes) -> dict[str, set[str]]:
    """What the chain wrote, read independently: method=result pairs of recv's own headers."""
    unfolded = re.sub(rb"\r?\n[ \t]+", b" ", header).decode()
    found: dict[str, set[str]] = {}
    for line in unfolded.splitlines():
        if line.lower().startswith("authentication-results:") and f" {AUTHSERV};" in line:
            for method, result in re.findall(r"\b(spf|dkim|dmarc)=(\w+)", line):
                found.setdefault(method, set()).add(result)
    return found


async def _read_back(message_id: str, ca: Path, *, delete: bool = True) -> bytes:
    fetched = await fetch_message(
        IMAPS, MAILBOX, PASSWORD, message_id, timeout=30, ca_file=str(ca), delete=delete
    )
    assert fetched.folder == "INBOX" and not fetched.in_junk and fetched.deleted is delete
    return fetched.header


async def test_signed_from_an_authorised_server(chain, chain_ca, key) -> None:
    data, message_id = chain_message(key, "signed, authorised")
    send_from(data, AUTHORISED)
    header = await _read_back(message_id, chain_ca[0])
    verdict = read_verdict(header)
    assert verdict.authserv_id == AUTHSERV
    stamped = _stamped(header)
    assert {m: verdict.outcome(m) for m in ("spf", "dkim", "dmarc")} == {
        "spf": "pass",
        "dkim": "pass",
        "dmarc": "pass",
    }
    for method in ("spf", "dkim", "dmarc"):
        assert stamped[method] == {verdict.outcome(method)}, (method, header)
    dkim_result = next(r for r in verdict.results if r.method == "dkim")
    assert dkim_result.properties["header.d"] == "send.test"


async def test_unsigned_from_a_server_spf_does_not_list(chain, chain_ca) -> None:
    data, message_id = chain_message(None, "unsigned, not authorised")
    send_from(data, STRANGER)
    header = await _read_back(message_id, chain_ca[0])
    verdict = read_verdict(header)
    stamped = _stamped(header)
    assert verdict.outcome("spf") == "fail" and stamped["spf"] == {"fail"}
    assert verdict.outcome("dmarc") == "fail" and stamped["dmarc"] == {"fail"}
    assert verdict.outcome("dkim") in (None, "none") and stamped.get("dkim", {"none"}) <= {"none"}
    assert "DMARC: fail" in verdict.explain("dmarc")


async def test_signed_but_from_a_server_spf_does_not_list(chain, chain_ca, key) -> None:
    data, message_id = chain_message(key, "signed, not authorised")
    send_from(data, STRANGER)
    verdict = read_verdict(await _read_back(message_id, chain_ca[0]))
    # DKIM aligned with the From domain is enough for DMARC
    assert (verdict.outcome("spf"), verdict.outcome("dkim"), verdict.outcome("dmarc")) == (
        "fail",
        "pass",
        "pass",
    )


async def test_the_message_stays_unless_deletion_was_asked(chain, chain_ca) -> None:
    data, message_id = chain_message(None, "kept")
    send_from(data, AUTHORISED)
    await _read_back(message_id, chain_ca[0], delete=False)
    await _read_back(message_id, chain_ca[0], delete=True)  # still there, now deleted
    with pytest.raises(MailboxError, match="did not arrive"):
        await fetch_message(
            IMAPS, MAILBOX, PASSWORD, message_id, timeout=2, ca_file=str(chain_ca[0])
        )


async def test_imap_refuses_a_wrong_password_and_an_untrusted_certificate(chain, chain_ca) -> None:
    with pytest.raises(MailboxError, match="refused the sign-in"):
        await fetch_message(
            IMAPS, MAILBOX, "wrong", "<x@send.test>", timeout=5, ca_file=str(chain_ca[0])
        )
    with pytest.raises(MailboxError, match="certificate could not be trusted"):
        await fetch_message(IMAPS, MAILBOX, PASSWORD, "<x@send.test>", timeout=5)
    plain = IncomingServer(IncomingProtocol.IMAP, RECEIVER, 143, Security.NONE)
    with pytest.raises(MailboxError, match="only over TLS"):
        await fetch_message(plain, MAILBOX, PASSWORD, "<x@send.test>")


def test_the_command_reads_the_verdict_back(chain, chain_ca, key, capsys, monkeypatch) -> None:
    from smtpwizard.cli import main

    data, message_id = chain_message(key, "read back by the command")
    send_from(data, AUTHORISED)
    monkeypatch.setenv("CHAIN_PASSWORD", PASSWORD)
    args = [
        "deliverability",
        "send.test",
        "--dns-server",
        "127.0.17.53:53",
        "--timeout",
        "15",
        "--read-back",
        message_id,
        "--imap",
        f"{RECEIVER}:{IMAPS_PORT}",
        "--user",
        MAILBOX,
        "--password-env",
        "CHAIN_PASSWORD",
        "--ca-file",
        str(chain_ca[0]),
        "--delete-test-message",
        "--wait",
        "30",
    ]
    main([*args, "--json"])
    receiver = json.loads(capsys.readouterr().out)["receiver"]
    assert receiver["verdict"]["outcomes"] == {"spf": "pass", "dkim": "pass", "dmarc": "pass"}
    assert receiver["deleted"] and receiver["folder"] == "INBOX" and not receiver["in_junk"]
    assert PASSWORD not in json.dumps(receiver)
    # deleted: read back again, it is not there any more, said in plain words
    assert main([*args[:-3], "--wait", "2"]) == 1
    assert "could not be read back: The test message did not arrive" in capsys.readouterr().out
