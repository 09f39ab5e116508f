"""The encryption mapping of /work/shared/reference/export-formats.md, read back from each file
by the target's own parser, for none / STARTTLS / implicit TLS."""

from __future__ import annotations

from pathlib import Path

import pytest

from smtpwizard.core.exporters import render_export
from smtpwizard.core.settings import Security

from .readers import READERS
from .samples import sample

N, S, T = Security.NONE, Security.STARTTLS, Security.TLS

TABLE: dict[str, dict[Security, dict[str, object]]] = {
    "thunderbird-autoconfig": {
        N: {"socketType": "plain"},
        S: {"socketType": "STARTTLS"},
        T: {"socketType": "SSL"},
    },
    "thunderbird-userjs": {N: {"try_ssl": 0}, S: {"try_ssl": 2}, T: {"try_ssl": 3}},
    "outlook-autodiscover": {
        N: {"SSL": "off", "Encryption": "None"},
        S: {"SSL": "on", "Encryption": "TLS"},
        T: {"SSL": "on", "Encryption": "SSL"},
    },
    "outlook-prf": {
        N: {"SMTPSecureConnection": "0"},
        S: {"SMTPSecureConnection": "2"},
        T: {"SMTPSecureConnection": "1"},
    },
    "apple-mobileconfig": {
        N: {"OutgoingMailServerUseSSL": False},
        S: {"OutgoingMailServerUseSSL": True},
        T: {"OutgoingMailServerUseSSL": True},
    },
    "wp-mail-smtp": {
        N: {"SSL": "", "SMTP_AUTOTLS": False},
        S: {"SSL": "tls", "SMTP_AUTOTLS": True},
        T: {"SSL": "ssl", "SMTP_AUTOTLS": True},
    },
    "easy-wp-smtp": {
        N: {"SSL": "", "SMTP_AUTOTLS": False},
        S: {"SSL": "tls", "SMTP_AUTOTLS": True},
        T: {"SSL": "ssl", "SMTP_AUTOTLS": True},
    },
    "post-smtp": {N: {"enc_type": "none"}, S: {"enc_type": "tls"}, T: {"enc_type": "ssl"}},
    "phpmailer": {
        N: {"SMTPSecure": "", "SMTPAutoTLS": False},
        S: {"SMTPSecure": "tls", "SMTPAutoTLS": True},
        T: {"SMTPSecure": "ssl", "SMTPAutoTLS": True},
    },
    "laravel-env": {
        N: {"MAIL_SCHEME": "smtp"},
        S: {"MAIL_SCHEME": "smtp"},
        T: {"MAIL_SCHEME": "smtps"},
    },
    "symfony-dsn": {
        N: {"scheme": "smtp", "auto_tls": "false", "require_tls": None},
        S: {"scheme": "smtp", "auto_tls": None, "require_tls": "true"},
        T: {"scheme": "smtps", "auto_tls": None, "require_tls": None},
    },
    "django": {
        N: {"EMAIL_USE_TLS": False, "EMAIL_USE_SSL": False},
        S: {"EMAIL_USE_TLS": True, "EMAIL_USE_SSL": False},
        T: {"EMAIL_USE_TLS": False, "EMAIL_USE_SSL": True},
    },
    "nodemailer": {
        N: {"secure": False, "requireTLS": None, "ignoreTLS": True},
        S: {"secure": False, "requireTLS": True, "ignoreTLS": None},
        T: {"secure": True, "requireTLS": None, "ignoreTLS": None},
    },
    "rails": {
        N: {"enable_starttls": None, "enable_starttls_auto": False, "tls": None},
        S: {"enable_starttls": True, "enable_starttls_auto": None, "tls": None},
        T: {"enable_starttls": None, "enable_starttls_auto": None, "tls": True},
    },
    "spring-properties": {
        N: {"starttls.enable": None, "starttls.required": None, "ssl.enable": None},
        S: {"starttls.enable": "true", "starttls.required": "true", "ssl.enable": None},
        T: {"starttls.enable": None, "starttls.required": None, "ssl.enable": "true"},
    },
    "mailkit": {
        N: {"SecureSocketOptions": "None"},
        S: {"SecureSocketOptions": "StartTls"},
        T: {"SecureSocketOptions": "SslOnConnect"},
    },
    "msmtp": {
        N: {"tls": "off"},
        S: {"tls": "on", "tls_starttls": "on"},
        T: {"tls": "on", "tls_starttls": "off"},
    },
    "postfix-main-cf": {
        N: {"smtp_tls_security_level": "may", "smtp_tls_wrappermode": None},
        S: {"smtp_tls_security_level": "secure", "smtp_tls_wrappermode": None},
        T: {"smtp_tls_security_level": "secure", "smtp_tls_wrappermode": "yes"},
    },
    "git-send-email": {
        N: {"smtpEncryption": None},
        S: {"smtpEncryption": "tls"},
        T: {"smtpEncryption": "ssl"},
    },
    "card-html": {
        N: {"encryption": "None (not encrypted)"},
        S: {"encryption": "STARTTLS"},
        T: {"encryption": "SSL/TLS"},
    },
    "settings-json": {
        N: {"security": "none"},
        S: {"security": "starttls"},
        T: {"security": "tls"},
    },
}
TABLE |= {
    # FluentSMTP Handler.php: SMTPSecure = encryption unless 'none'; SMTPAutoTLS = auto_tls.
    "fluentsmtp": {
        N: {"SMTPSecure": "", "SMTPAutoTLS": False},
        S: {"SMTPSecure": "tls", "SMTPAutoTLS": True},
        T: {"SMTPSecure": "ssl", "SMTPAutoTLS": True},
    },
    # Joomla passes only 'ssl'/'tls' on; PHPMailer's own SMTPAutoTLS stays on.
    "joomla": {N: {"SMTPSecure": ""}, S: {"SMTPSecure": "tls"}, T: {"SMTPSecure": "ssl"}},
    "drupal": {
        N: {"scheme": "smtp", "tls": False, "options.auto_tls": False},
        S: {"scheme": "smtp", "tls": False, "options.require_tls": True},
        T: {"scheme": "smtps", "tls": True},
    },
    "nextcloud": {
        N: {"secure": "", "tls": False},
        S: {"secure": "", "tls": False},
        T: {"secure": "ssl", "tls": True},
    },
    "gitlab": {
        N: {"enable_starttls_auto": False, "tls": False},
        S: {"enable_starttls_auto": True, "tls": False, "openssl_verify_mode": "peer"},
        T: {"enable_starttls_auto": False, "tls": True, "openssl_verify_mode": "peer"},
    },
    "mastodon": {
        N: {"enable_starttls": False, "enable_starttls_auto": False, "tls": None},
        S: {"enable_starttls": True, "enable_starttls_auto": None, "tls": None},
        T: {"enable_starttls": False, "tls": True, "openssl_verify_mode": "peer"},
    },
    "discourse": {
        N: {"enable_starttls_auto": False, "tls": None},
        S: {"enable_starttls_auto": True, "tls": None, "openssl_verify_mode": "peer"},
        T: {"enable_starttls_auto": False, "tls": True},
    },
    "ghost": TABLE["nodemailer"],
    "home-assistant": {
        N: {"encryption": "none"},
        S: {"encryption": "starttls"},
        T: {"encryption": "tls"},
    },
    "keycloak": {
        N: {"ssl": "false", "starttls": "false"},
        S: {"ssl": "false", "starttls": "true"},
        T: {"ssl": "true", "starttls": "false"},
    },
    "gitea": {
        N: {"PROTOCOL": "smtp"},
        S: {"PROTOCOL": "smtp+starttls"},
        T: {"PROTOCOL": "smtps"},
    },
    "grafana": {
        N: {"startTLS_policy": "NoStartTLS", "skip_verify": "false"},
        S: {"startTLS_policy": "MandatoryStartTLS", "skip_verify": "false"},
        T: {"startTLS_policy": "NoStartTLS", "skip_verify": "false"},
    },
    "vaultwarden": {
        N: {"SMTP_SECURITY": "off"},
        S: {"SMTP_SECURITY": "starttls"},
        T: {"SMTP_SECURITY": "force_tls"},
    },
    "docker-env": {
        N: {"SMTP_SECURITY": "none"},
        S: {"SMTP_SECURITY": "starttls"},
        T: {"SMTP_SECURITY": "tls"},
    },
    "neomutt": {
        N: {"scheme": "smtp", "ssl_force_tls": "no", "ssl_starttls": "no"},
        S: {"scheme": "smtp", "ssl_force_tls": "yes", "ssl_starttls": "yes"},
        T: {"scheme": "smtps", "ssl_force_tls": "yes", "ssl_starttls": "no"},
    },
    "s-nail": {
        N: {"scheme": "smtp", "smtp-use-starttls": None},
        S: {"scheme": "smtp", "smtp-use-starttls": "yes"},
        T: {"scheme": "smtps", "smtp-use-starttls": None},
    },
    "dma": {
        N: {"SECURETRANSFER": False, "STARTTLS": False},
        S: {"SECURETRANSFER": True, "STARTTLS": True},
        T: {"SECURETRANSFER": True, "STARTTLS": False},
    },
    "opensmtpd": {N: {"scheme": "smtp+notls"}, S: {"scheme": "smtp+tls"}, T: {"scheme": "smtps"}},
}
TABLE["mutt"] = TABLE["neomutt"]
TABLE["spring-yaml"] = TABLE["spring-properties"]


@pytest.mark.parametrize("security", [N, S, T], ids=lambda s: s.value)
@pytest.mark.parametrize("format_id", sorted(TABLE))
def test_encryption_follows_the_reference_table(
    format_id: str, security: Security, tmp_path: Path, reader_env: dict[str, str]
) -> None:
    result = render_export(format_id, *sample(security))
    values, enc = READERS[format_id](result, tmp_path, reader_env)
    assert values["port"] == {N: 25, S: 587, T: 465}[security]
    expected = TABLE[format_id][security]
    assert {key: enc.get(key) for key in expected} == expected


def test_django_never_sets_both_tls_flags(tmp_path: Path, reader_env: dict[str, str]) -> None:
    for security in Security:
        _, enc = READERS["django"](render_export("django", *sample(security)), tmp_path, reader_env)
        assert not (enc["EMAIL_USE_TLS"] and enc["EMAIL_USE_SSL"])
