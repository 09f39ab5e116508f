"""A verified certificate described from the ssl module's decoding equals the cryptography
parse used for rejected ones: the check no longer loads cryptography when all is well."""

from __future__ import annotations

import asyncio
import ssl

import pytest
import trustme

from smtpwizard.core.net.tlsinfo import certificate_info, tls_info_from, verified_certificate_info


async def _handshake(server_ctx: ssl.SSLContext, client_ctx: ssl.SSLContext) -> ssl.SSLObject:
    server = await asyncio.start_server(lambda r, w: None, "127.0.12.40", 0, ssl=server_ctx)
    port = server.sockets[0].getsockname()[1]
    try:
        _, writer = await asyncio.open_connection(
            "127.0.12.40", port, ssl=client_ctx, server_hostname="mail.example.test"
        )
        ssl_object = writer.get_extra_info("ssl_object")
        writer.close()
        return ssl_object
    finally:
        server.close()


@pytest.mark.parametrize(
    "issue",
    [
        {"common_name": "mail.example.test"},
        {"organization_name": "Example Mail", "organization_unit_name": None},
        {"organization_name": None, "organization_unit_name": "Unit"},
    ],
)
def test_both_descriptions_agree(issue):
    ca = trustme.CA()
    kwargs = {k: v for k, v in issue.items() if v is not None}
    try:
        cert = ca.issue_cert("mail.example.test", "127.0.12.40", "::1", **kwargs)
    except TypeError:
        pytest.fail(f"trustme does not take {sorted(kwargs)}")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    ssl_object = asyncio.run(_handshake(server_ctx, client_ctx))
    der = ssl_object.getpeercert(binary_form=True)
    decoded = ssl_object.getpeercert()
    assert der and decoded
    from_ssl = verified_certificate_info(dict(decoded), der)
    assert from_ssl == certificate_info(der)
    assert from_ssl.san_names == ("mail.example.test", "127.0.12.40", "::1")
    info = tls_info_from(ssl_object, pinned=False)
    assert info is not None and info.certificate == from_ssl
