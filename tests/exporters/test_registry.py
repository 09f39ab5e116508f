"""The registry's promises: passwords only when asked, 0600 files, clear errors."""

from __future__ import annotations

import dataclasses
import os
import stat
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest

from smtpwizard.core.exporters import (
    FORMATS,
    Audience,
    ExportError,
    IncomingServerMissing,
    PasswordNotSupported,
    UnknownFormat,
    ValueNotRepresentable,
    get_format,
    render_export,
    write_export,
)
from smtpwizard.core.settings import Account, Security

from .samples import CHECKED, sample

SECRET = "Unique-Secret-7Qz!"
NEEDS_INCOMING = {"thunderbird-autoconfig", "apple-mobileconfig", "outlook-autodiscover"}
NEEDS_INCOMING |= {"outlook-prf"}


def _visible_text(result_data: bytes, format_id: str, tmp_path: Path) -> bytes:
    if format_id != "card-pdf":
        return result_data
    pdf = tmp_path / "card.pdf"
    pdf.write_bytes(result_data)
    return subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, check=True, timeout=30
    ).stdout


def test_the_registry_describes_every_format() -> None:
    ids = [fmt.id for fmt in FORMATS]
    assert len(ids) == len(set(ids)) == 45
    assert {fmt.audience for fmt in FORMATS} == set(Audience)
    assert {fmt.id for fmt in FORMATS if fmt.needs_incoming} == NEEDS_INCOMING
    for fmt in FORMATS:
        assert fmt.title and len(fmt.how_to_use) > 40 and fmt.sign_in_note, fmt.id
        assert fmt.file_name_for(render_request_stub()), fmt.id
    assert [fmt.id for fmt in FORMATS if fmt.binary] == ["card-pdf"]


def render_request_stub():  # type: ignore[no-untyped-def]
    from smtpwizard.core.exporters import ExportRequest

    settings, account = sample()
    return ExportRequest(settings, account)


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.id)
def test_no_password_in_any_file_unless_asked(fmt, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = render_export(fmt.id, *sample(), password=SECRET)
    assert not result.contains_password and result.file_mode == 0o644
    assert SECRET.encode() not in _visible_text(result.data, fmt.id, tmp_path)


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.id)
def test_include_password_only_where_the_format_can_carry_one(fmt, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if not fmt.can_carry_password:
        with pytest.raises(PasswordNotSupported) as refused:
            render_export(fmt.id, *sample(), include_password=True, password=SECRET)
        assert "cannot carry a password" in refused.value.message
        return
    result = render_export(fmt.id, *sample(), include_password=True, password=SECRET)
    assert result.contains_password and result.file_mode == 0o600
    if fmt.id == "post-smtp":  # stored base64-encoded inside compressed JSON
        return
    written = quote(SECRET, safe="") if fmt.id == "symfony-dsn" else SECRET  # a URL part
    assert written.encode() in _visible_text(result.data, fmt.id, tmp_path)


def test_include_password_needs_a_password_and_a_username() -> None:
    with pytest.raises(ExportError, match="missing or empty"):
        render_export("django", *sample(), include_password=True)
    with pytest.raises(PasswordNotSupported, match="no sign-in"):
        render_export("django", *sample(username=None), include_password=True, password="x")


@pytest.mark.parametrize("format_id", sorted(NEEDS_INCOMING))
def test_whole_account_formats_need_the_incoming_server(format_id: str) -> None:
    settings, account = sample()
    bare = Account(account.email, account.display_name, incoming=None)
    with pytest.raises(IncomingServerMissing) as missing:
        render_export(format_id, settings, bare)
    assert missing.value.field == "incoming"
    assert "incoming (IMAP or POP3) server" in missing.value.message


def test_other_formats_do_without_the_incoming_server() -> None:
    settings, account = sample()
    bare = Account(account.email, account.display_name, incoming=None)
    for fmt in FORMATS:
        if fmt.id not in NEEDS_INCOMING:
            assert render_export(fmt.id, settings, bare).data


def test_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(UnknownFormat) as unknown:
        get_format("thunderbird")
    assert "thunderbird-autoconfig" in unknown.value.message


def test_a_file_with_the_password_is_created_0600(tmp_path: Path) -> None:
    old_umask = os.umask(0)  # even a permissive umask must not widen it
    try:
        secret = write_export(
            render_export("msmtp", *sample(), include_password=True, password=SECRET),
            tmp_path / "msmtprc",
        )
        (tmp_path / "public").mkdir()
        public = write_export(render_export("msmtp", *sample()), tmp_path / "public")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert (
        public == tmp_path / "public" / "msmtprc" and stat.S_IMODE(public.stat().st_mode) == 0o644
    )
    assert SECRET not in public.read_text()


def test_an_unwritable_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError) as failed:
        write_export(render_export("django", *sample()), blocker / "settings.py")
    assert failed.value.message.startswith(f"Cannot write {blocker / 'settings.py'}")


def test_the_checked_date_is_shown_and_optional() -> None:
    dated = render_export("card-html", *sample(), checked_on=CHECKED).text
    assert "Sending tested and working with smtpwizard on 2026-11-01." in dated
    assert "not tested by smtpwizard" in render_export("card-html", *sample()).text


def test_postfix_sasl_passwd_refuses_what_postfix_cannot_hold() -> None:
    with pytest.raises(ExportError, match="':' or a space"):
        render_export("postfix-sasl-passwd", *sample(username="dom:user"))
    with pytest.raises(ExportError, match="no username"):
        render_export("postfix-sasl-passwd", *sample(username=None))
    with pytest.raises(ExportError, match="starts or ends with a space"):
        render_export("postfix-sasl-passwd", *sample(), include_password=True, password=" padded ")


def test_trusted_fingerprint_reaches_msmtp_and_postfix() -> None:
    settings, account = sample(Security.TLS)
    pinned = settings.with_changes(trusted_fingerprint="ab" * 32)
    colons = ":".join(["AB"] * 32)
    assert f"tls_fingerprint {colons}" in render_export("msmtp", pinned, account).text
    postfix = render_export("postfix-main-cf", pinned, account).text
    assert "smtp_tls_security_level = fingerprint" in postfix
    assert f"smtp_tls_fingerprint_cert_match = {colons}" in postfix


def test_insecure_auth_is_only_written_when_the_user_allowed_it() -> None:
    strict = render_export("msmtp", *sample(Security.NONE)).text
    allowed = render_export("msmtp", *sample(Security.NONE, allow_insecure_auth=True)).text
    assert "auth on" in strict and "auth plain" in allowed
    postfix = render_export("postfix-main-cf", *sample(Security.NONE)).text
    assert "smtp_sasl_security_options" not in postfix
    postfix = render_export(
        "postfix-main-cf", *sample(Security.NONE, allow_insecure_auth=True)
    ).text
    assert "smtp_sasl_security_options = noanonymous" in postfix


def test_docs_list_every_format() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "exports.md").read_text()
    for fmt in FORMATS:
        assert f"| `{fmt.id}` |" in docs, fmt.id
        assert f"`{fmt.file_name_for(render_request_stub())}`" in docs, fmt.id


def test_write_export_expands_the_home_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    written = write_export(render_export("msmtp", *sample()), "~/.msmtprc")
    assert written == tmp_path / ".msmtprc" and written.is_file()


@pytest.mark.parametrize("format_id", ["dma-auth", "opensmtpd-secrets"])
def test_login_tables_refuse_a_server_without_sign_in(format_id: str) -> None:
    with pytest.raises(ValueNotRepresentable, match="no username"):
        render_export(format_id, *sample(username=None))


@pytest.mark.parametrize("format_id", ["postfix-main-cf", "s-nail"])
def test_an_ip_address_that_can_never_match_a_certificate_is_refused(format_id: str) -> None:
    with pytest.raises(ValueNotRepresentable, match="IP address") as refused:
        render_export(format_id, *sample(host="192.0.2.25"))
    assert refused.value.field == "host"
    # Without encryption there is no certificate to match; a pinned one needs no name.
    render_export(format_id, *sample(Security.NONE, host="192.0.2.25"))


def test_postfix_pins_the_certificate_of_an_ip_relayhost_when_trusted() -> None:
    settings, account = sample(host="2001:db8::25")
    pinned = dataclasses.replace(settings, trusted_fingerprint="ab" * 32)
    text = render_export("postfix-main-cf", pinned, account).text
    assert "relayhost = [ipv6:2001:db8::25]:587" in text
    assert "smtp_tls_security_level = fingerprint" in text
