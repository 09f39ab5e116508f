"""Web frameworks read from .env files or code: Laravel, Symfony, Django, Nodemailer.
By default the password comes from the environment, never from the file."""

from __future__ import annotations

from ..settings import Security
from .base import PASSWORD_ENV, Audience, ExportFormat, ExportRequest
from .escaping import dotenv_value, js_string, mailbox, python_string, url_part

__all__ = ["FORMATS"]

_LARAVEL_SCHEME = {Security.NONE: "smtp", Security.STARTTLS: "smtp", Security.TLS: "smtps"}
_LARAVEL10_ENCRYPTION = {Security.NONE: "null", Security.STARTTLS: "tls", Security.TLS: "tls"}


def laravel_env(req: ExportRequest) -> str:
    lines = [
        f"# Laravel mail settings, made by smtpwizard; checked: {req.checked_text}.",
        "# Put these lines in .env, replacing the MAIL_ lines already there.",
        "MAIL_MAILER=smtp",
        f"MAIL_SCHEME={_LARAVEL_SCHEME[req.security]}",
        f"MAIL_HOST={req.host}",
        f"MAIL_PORT={req.port}",
    ]
    if req.security is Security.STARTTLS:
        # STARTTLS is only opportunistic in Symfony's transport unless require_tls is set. No
        # MAIL_ variable reaches it, but MAIL_URL does: Laravel 11/12's config/mail.php has
        # 'url' => env('MAIL_URL'), MailManager::getConfig merges the URL through
        # ConfigurationUrlParser (its query string becomes config keys, "true" decoded to a
        # boolean) and createSmtpTransport passes the whole config as the Dsn's options, where
        # EsmtpTransportFactory reads require_tls (symfony/mailer 7.3+, CHANGELOG "Add DSN param
        # require_tls"). Read in laravel/framework v11.0.0 and v12.0.0 (MailManager.php,
        # Support/ConfigurationUrlParser.php, config/mail.php).
        host = f"[{req.host}]" if ":" in req.host else req.host
        lines += [
            "# STARTTLS is required, never skipped (a server that drops it gets no password):",
            "# needs symfony/mailer 7.3 or later (composer show symfony/mailer); older versions",
            "# ignore require_tls and use STARTTLS only when the server offers it.",
            f"MAIL_URL='smtp://{host}:{req.port}?require_tls=true'",
        ]
    if req.username:
        lines.append(f"MAIL_USERNAME={dotenv_value(req.username, 'username')}")
        if req.password is not None:
            lines.append(f"MAIL_PASSWORD={dotenv_value(req.password, 'password')}")
        else:
            lines += [
                "# MAIL_PASSWORD is not in this file: set MAIL_PASSWORD in the server's",
                "# environment (Laravel reads it from there), or add the line yourself.",
            ]
    lines.append(f"MAIL_FROM_ADDRESS={dotenv_value(req.email, 'email')}")
    if req.display_name:
        lines.append(f"MAIL_FROM_NAME={dotenv_value(req.display_name, 'display_name')}")
    lines += [
        "# Laravel 10.x ignores MAIL_SCHEME: use "
        f"MAIL_ENCRYPTION={_LARAVEL10_ENCRYPTION[req.security]} instead",
        "# (Laravel 10 uses SSL/TLS on port 465 and STARTTLS on other ports).",
    ]
    return "\n".join(lines) + "\n"


def symfony_dsn(req: ExportRequest) -> str:
    scheme = "smtps" if req.security is Security.TLS else "smtp"
    credentials = ""
    if req.username:
        secret = url_part(req.password) if req.password is not None else "${" + PASSWORD_ENV + "}"
        credentials = f"{url_part(req.username)}:{secret}@"
    host = f"[{req.host}]" if ":" in req.host else req.host
    query = {
        Security.NONE: "?auto_tls=false",  # Symfony 7.1+
        Security.STARTTLS: "?require_tls=true",  # Symfony 7.3+; older versions ignore it
        Security.TLS: "",
    }[req.security]
    lines = [
        f"# Symfony Mailer, made by smtpwizard; checked: {req.checked_text}.",
        "# Put this line in .env.local (never committed), replacing any MAILER_DSN there.",
    ]
    if req.username and req.password is None:
        lines += [
            f"# The password comes from the {PASSWORD_ENV} environment variable, which must be",
            "# URL-encoded when it holds characters such as @ : / % # ? or spaces.",
        ]
    dsn = f"{scheme}://{credentials}{host}:{req.port}{query}"
    # Only ${SMTP_PASSWORD} may be interpolated: every other part is URL-encoded, so it holds
    # no quote, backslash or dollar sign.
    lines.append(f'MAILER_DSN="{dsn}"')
    return "\n".join(lines) + "\n"


def django_settings(req: ExportRequest) -> str:
    from_env = req.auth and req.password is None
    if req.password is not None:
        password = python_string(req.password)
    else:
        password = f"os.environ.get({python_string(PASSWORD_ENV)}, '')"
    lines = [
        f"# Django email settings, made by smtpwizard; checked: {req.checked_text}.",
        "# Paste into settings.py (or import it from there).",
        *(["import os", ""] if from_env else []),
        "EMAIL_BACKEND = 'django.core.mail.backends.smtp.EmailBackend'",
        f"EMAIL_HOST = {python_string(req.host)}",
        f"EMAIL_PORT = {req.port}",
        # Django refuses both at once: exactly one of them may be True.
        f"EMAIL_USE_TLS = {req.security is Security.STARTTLS}",
        f"EMAIL_USE_SSL = {req.security is Security.TLS}",
        f"EMAIL_HOST_USER = {python_string(req.username or '')}",
        f"EMAIL_HOST_PASSWORD = {password if req.auth else repr('')}",
        "EMAIL_TIMEOUT = 30",
        f"DEFAULT_FROM_EMAIL = {python_string(mailbox(req.display_name, req.email))}",
        "SERVER_EMAIL = DEFAULT_FROM_EMAIL",
    ]
    return "\n".join(lines) + "\n"


def nodemailer(req: ExportRequest) -> str:
    transport = [
        f"  host: {js_string(req.host)},",
        f"  port: {req.port},",
    ]
    if req.security is Security.TLS:
        transport.append("  secure: true, // SSL/TLS from the first byte")
    elif req.security is Security.STARTTLS:
        transport += [
            "  secure: false, // starts plain, then must upgrade with STARTTLS:",
            "  requireTLS: true,",
        ]
    else:
        transport += ["  secure: false,", "  ignoreTLS: true, // the server offers no encryption"]
    if req.username:
        if req.password is not None:
            password = js_string(req.password)
        else:
            password = f"process.env.{PASSWORD_ENV}"
        transport += [
            "  auth: {",
            f"    user: {js_string(req.username)},",
            f"    pass: {password},",
            "  },",
        ]
    transport += ["  connectionTimeout: 30000,", "  greetingTimeout: 30000,"]
    sender = f"{{ name: {js_string(req.display_name)}, address: {js_string(req.email)} }}"
    lines = [
        f"// Nodemailer SMTP transport, made by smtpwizard; checked: {req.checked_text}.",
        "// const { transport, defaults } = require('./smtp-transport.cjs');",
        "// const mailer = require('nodemailer').createTransport(transport, defaults);",
        '"use strict";',
        "",
        "const transport = {",
        *transport,
        "};",
        "",
        f"const defaults = {{ from: {sender} }};",
        "",
        "module.exports = { transport, defaults };",
    ]
    return "\n".join(lines) + "\n"


FORMATS = (
    ExportFormat(
        id="laravel-env",
        title="Laravel (.env lines; Laravel 11 and later, with a note for 10.x)",
        audience=Audience.FRAMEWORK,
        file_name="laravel-mail.env",
        how_to_use=(
            "Copy these lines into your Laravel app's .env, replacing the MAIL_ lines there, "
            "then run php artisan config:clear. Set MAIL_PASSWORD in the server's environment."
        ),
        can_carry_password=True,
        render=laravel_env,
        for_version="Laravel 11 and 12 (10.x: see the note in the file)",
        sign_in_note="Set MAIL_PASSWORD in the server's environment.",
    ),
    ExportFormat(
        id="symfony-dsn",
        title="Symfony Mailer (MAILER_DSN)",
        audience=Audience.FRAMEWORK,
        file_name="symfony-mailer.env",
        how_to_use=(
            "Put the MAILER_DSN line in .env.local (or set MAILER_DSN in the server's "
            "environment). Set SMTP_PASSWORD, URL-encoded, in the environment."
        ),
        can_carry_password=True,
        render=symfony_dsn,
        for_version="Symfony Mailer 5.4 to 7.x (require_tls needs 7.3)",
        sign_in_note=f"Read from the {PASSWORD_ENV} environment variable (URL-encoded).",
    ),
    ExportFormat(
        id="django",
        title="Django (settings.py)",
        audience=Audience.FRAMEWORK,
        file_name="django_email_settings.py",
        how_to_use=(
            "Paste into settings.py (or save next to it and add: from .django_email_settings "
            "import *). Set SMTP_PASSWORD in the environment, then test with "
            "python manage.py sendtestemail you@example.com."
        ),
        can_carry_password=True,
        render=django_settings,
        for_version="Django 4.2 and 5.x",
        sign_in_note=f"Read from the {PASSWORD_ENV} environment variable.",
    ),
    ExportFormat(
        id="nodemailer",
        title="Nodemailer (Node.js transport options)",
        audience=Audience.FRAMEWORK,
        file_name="smtp-transport.cjs",
        how_to_use=(
            "Save next to your code; then: const { transport, defaults } = "
            "require('./smtp-transport.cjs'); const mailer = "
            "nodemailer.createTransport(transport, defaults). Set SMTP_PASSWORD in the "
            "environment."
        ),
        can_carry_password=True,
        render=nodemailer,
        for_version="Nodemailer 6.x (Node.js 18 and later)",
        sign_in_note=f"Read from process.env.{PASSWORD_ENV}.",
    ),
)
