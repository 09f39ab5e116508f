"""Read every export back with the target's own parser (or the closest faithful one).

Each reader returns (values, enc): `values` holds the standard fields the file carries
(host, port, username, password, email, display_name, ...), `enc` the format's own
encryption keys, compared against the reference table in test_mapping.py.
"""

from __future__ import annotations

from .readers_apps import READERS as APP_READERS
from .readers_base import Reader, run, save, settle
from .readers_clients import READERS as CLIENT_READERS
from .readers_code import (
    csharp_unescape,
    read_django,
    read_laravel,
    read_mailkit,
    read_nodemailer,
    read_phpmailer,
    read_post_smtp,
    read_rails,
    read_spring_properties,
    read_spring_yaml,
    read_symfony,
    wordpress_reader,
)
from .readers_programs import (
    read_apple,
    read_autodiscover,
    read_prf,
    read_thunderbird_autoconfig,
    read_thunderbird_userjs,
)
from .readers_tools import (
    card_fields,
    read_card_html,
    read_card_pdf,
    read_git,
    read_msmtp,
    read_postfix_main,
    read_postfix_sasl,
    read_settings_json,
)

__all__ = ["READERS", "card_fields", "csharp_unescape", "run", "save", "settle"]

READERS: dict[str, Reader] = {
    "thunderbird-autoconfig": read_thunderbird_autoconfig,
    "thunderbird-userjs": read_thunderbird_userjs,
    "apple-mobileconfig": read_apple,
    "outlook-autodiscover": read_autodiscover,
    "outlook-prf": read_prf,
    "wp-mail-smtp": wordpress_reader("WPMS_"),
    "easy-wp-smtp": wordpress_reader("EASY_WP_SMTP_"),
    "post-smtp": read_post_smtp,
    "phpmailer": read_phpmailer,
    "laravel-env": read_laravel,
    "symfony-dsn": read_symfony,
    "django": read_django,
    "nodemailer": read_nodemailer,
    "rails": read_rails,
    "spring-properties": read_spring_properties,
    "spring-yaml": read_spring_yaml,
    "mailkit": read_mailkit,
    "msmtp": read_msmtp,
    "postfix-main-cf": read_postfix_main,
    "postfix-sasl-passwd": read_postfix_sasl,
    "git-send-email": read_git,
    "card-html": read_card_html,
    "card-pdf": read_card_pdf,
    "settings-json": read_settings_json,
    **APP_READERS,
    **CLIENT_READERS,
}
