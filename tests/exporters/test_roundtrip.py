"""Awkward values through EVERY exporter, read back by the target's own parser: identical, or a
clear refusal where the syntax has no way to hold the value."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import pytest

from smtpwizard.core.exporters import (
    FORMATS,
    ValueNotRepresentable,
    get_format,
    render_export,
)
from smtpwizard.core.settings import Security

from .readers import READERS
from .samples import CHECKED, HOSTILE, Hostile, sample

FORMAT_IDS = [fmt.id for fmt in FORMATS]

# What each format must carry (a reader that silently drops a field would fail here).
CARRIES: dict[str, set[str]] = {
    # Published for a whole domain: nobody's login, name or address (test_domain_files.py).
    "thunderbird-autoconfig": {"host", "port"},
    "thunderbird-userjs": {"host", "port", "username", "description"},
    "apple-mobileconfig": {"host", "port", "username", "email", "display_name"},
    "outlook-autodiscover": {"host", "port"},
    "outlook-prf": {"host", "port", "username", "email", "display_name"},
    "wp-mail-smtp": {"host", "port", "username", "password", "email", "display_name"},
    "easy-wp-smtp": {"host", "port", "username", "password", "email", "display_name"},
    "post-smtp": {"host", "port", "username", "password", "email", "display_name"},
    "phpmailer": {"host", "port", "username", "password", "email", "display_name"},
    "laravel-env": {"host", "port", "username", "password", "email", "display_name"},
    "symfony-dsn": {"host", "port", "username", "password"},
    "django": {"host", "port", "username", "password", "email", "display_name"},
    "nodemailer": {"host", "port", "username", "password", "email", "display_name"},
    "rails": {"host", "port", "username", "password", "email", "display_name"},
    "spring-properties": {"host", "port", "username", "password"},
    "spring-yaml": {"host", "port", "username", "password"},
    "mailkit": {"host", "port", "username", "password", "email", "display_name"},
    "msmtp": {"host", "port", "username", "email"},
    "postfix-main-cf": {"host", "port"},
    "postfix-sasl-passwd": {"host", "port", "username", "password"},
    "git-send-email": {"host", "port", "username", "password", "email", "display_name"},
    "card-html": {"host", "port", "username", "password", "email", "display_name"},
    "card-pdf": {"text"},
    "settings-json": {"host", "port", "username", "password", "email", "display_name"},
    "fluentsmtp": {"host", "port", "username", "password", "email", "display_name"},
    "joomla": {"host", "port", "username", "password", "email", "display_name"},
    "drupal": {"host", "port", "username", "password", "email"},  # the name is the site's
    "nextcloud": {"host", "port", "username", "password"},  # the address is split in two
    "gitlab": {"host", "port", "username", "password", "email", "display_name"},
    "mastodon": {"host", "port", "username", "password", "email", "display_name"},
    "discourse": {"host", "port", "username", "password", "email"},  # the name is the site's
    "ghost": {"host", "port", "username", "password", "email", "display_name"},
    "home-assistant": {"host", "port", "username", "password", "email", "display_name"},
    "keycloak": {"host", "port", "username", "password", "email", "display_name"},
    "gitea": {"host", "port", "username", "password", "email", "display_name"},
    "grafana": {"host", "port", "username", "password", "email", "display_name"},
    "vaultwarden": {"host", "port", "username", "password", "email", "display_name"},
    "docker-env": {"host", "port", "username", "password", "email", "display_name"},
    "neomutt": {"host", "port", "username", "password", "email", "display_name"},
    "mutt": {"host", "port", "username", "password", "email", "display_name"},
    "s-nail": {"host", "port", "username", "password", "email", "display_name"},
    "dma": {"host", "port", "email"},
    "dma-auth": {"host", "username", "password"},
    "opensmtpd": {"host", "port", "email"},
    "opensmtpd-secrets": {"username", "password"},
}


def test_every_format_has_a_reader_and_a_field_list() -> None:
    assert set(READERS) == set(FORMAT_IDS) == set(CARRIES)


def _expected(case: Hostile) -> dict[str, object]:
    return {
        "host": "smtp.example.com",
        "port": 587,
        "username": case.username,
        "password": case.password,
        "email": case.email,
        "display_name": case.display_name,
        "description": f"{case.display_name} <{case.email}>",
    }


@pytest.mark.parametrize("case", HOSTILE, ids=lambda case: case.name)
@pytest.mark.parametrize("format_id", FORMAT_IDS)
def test_hostile_values_come_back_identical(
    format_id: str, case: Hostile, tmp_path: Path, reader_env: dict[str, str]
) -> None:
    settings, account = sample(
        Security.STARTTLS, username=case.username, email=case.email, name=case.display_name
    )
    carry = get_format(format_id).can_carry_password
    kwargs = {"include_password": carry, "password": case.password if carry else None}
    if format_id in case.refused_by:
        with pytest.raises(ValueNotRepresentable) as refused:
            render_export(format_id, settings, account, checked_on=CHECKED, **kwargs)
        assert refused.value.field in {"username", "password", "email", "display_name"}
        assert "cannot hold" in refused.value.message or "placeholder" in refused.value.message
        return
    result = render_export(format_id, settings, account, checked_on=CHECKED, **kwargs)
    values, _ = READERS[format_id](result, tmp_path, reader_env)
    missing = CARRIES[format_id] - set(values)
    assert not missing, f"{format_id} lost {missing}"
    expected = _expected(case)
    if format_id == "card-pdf":
        text = values["text"]
        for value in (settings.host, case.username, case.email, "STARTTLS", "587"):
            assert value in " ".join(text.split()), value
        return
    for key, value in values.items():
        if key in expected and key in CARRIES[format_id]:
            assert value == expected[key], f"{format_id}: {key}"


@pytest.mark.parametrize("format_id", FORMAT_IDS)
def test_a_line_break_in_the_name_is_refused_everywhere(format_id: str) -> None:
    settings, account = sample(name="Anna\nBcc: victim@example.org")
    with pytest.raises(ValueNotRepresentable) as refused:
        render_export(format_id, settings, account)
    assert refused.value.field == "display_name"
    assert "line break" in refused.value.message


# Formats whose default (no password in the file) reads it from the environment.
ENV_FORMATS = ["phpmailer", "django", "nodemailer", "rails", "symfony-dsn", "drupal", "gitlab"]


@pytest.mark.parametrize("format_id", ENV_FORMATS)
def test_by_default_the_password_comes_from_the_environment(
    format_id: str, tmp_path: Path, reader_env: dict[str, str]
) -> None:
    secret = "from 'the' env $x \\ é"
    settings, account = sample()
    result = render_export(format_id, settings, account, password=secret)
    assert secret.encode() not in result.data and not result.contains_password
    value = urllib.parse.quote(secret, safe="") if format_id == "symfony-dsn" else secret
    values, _ = READERS[format_id](result, tmp_path, dict(reader_env, SMTP_PASSWORD=value))
    assert values["password"] == secret


@pytest.mark.parametrize("format_id", ["spring-properties", "spring-yaml"])
def test_spring_keeps_its_own_placeholder(
    format_id: str, tmp_path: Path, reader_env: dict[str, str]
) -> None:
    values, _ = READERS[format_id](render_export(format_id, *sample()), tmp_path, reader_env)
    assert values["password"] == "${SMTP_PASSWORD}"


def test_msmtp_reads_the_password_from_the_keychain_by_default(
    tmp_path: Path, reader_env: dict[str, str]
) -> None:
    settings, account = sample(username='o\'brien "q"@example.com')
    values, _ = READERS["msmtp"](render_export("msmtp", *sample()), tmp_path, reader_env)
    assert values["passwordeval"] == (
        "secret-tool lookup service smtpwizard username anna@example.com@smtp.example.com:587"
    )
    values, _ = READERS["msmtp"](render_export("msmtp", settings, account), tmp_path, reader_env)
    # msmtp hands this to the shell: the key survives msmtp's quoting and then the shell's.
    assert values["passwordeval"] == (
        "secret-tool lookup service smtpwizard username "
        "'o'\"'\"'brien \"q\"@example.com@smtp.example.com:587'"
    )
