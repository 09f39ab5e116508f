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


@pytest.mark.parametrize(
    "text",
    [
        "Jan  5 09:34:43 2018 GMT",
        "Feb 29 00:00:00 2024 GMT",
        "Dec 31 23:59:59 9999 GMT",
        "Jul 14 02:40:00 1970 GMT",
    ],
)
def test_certificate_dates_read_as_the_ssl_module_reads_them(text):
    from datetime import UTC, datetime

    info = verified_certificate_info({"notBefore": text, "notAfter": text}, b"")
    assert info.not_before == datetime.fromtimestamp(ssl.cert_time_to_seconds(text), UTC)


@pytest.mark.parametrize(
    "text", ["Foo  5 09:34:43 2018 GMT", "Jan 5 2018", "Jan 32 00:00:00 2024 GMT"]
)
def test_a_date_that_is_not_openssls_is_refused_as_the_ssl_module_refuses_it(text):
    with pytest.raises(ValueError):
        verified_certificate_info({"notBefore": text, "notAfter": text}, b"")
