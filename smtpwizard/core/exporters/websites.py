"""Websites: the WordPress SMTP plugins (WP Mail SMTP, Easy WP SMTP, Post SMTP) and plain
PHPMailer. The PHP files start with `<?php` so `php -l` and PHP itself can read them as they are."""

from __future__ import annotations

import base64
import json
import zlib

from ..settings import Security
from .base import PASSWORD_ENV, Audience, ExportFormat, ExportRequest, Place
from .escaping import php_string

__all__ = ["FORMATS"]

# WP Mail SMTP and Easy WP SMTP pass this straight to PHPMailer's SMTPSecure: 'tls' IS STARTTLS.
_WP_SSL = {Security.NONE: "", Security.STARTTLS: "tls", Security.TLS: "ssl"}
_POST_SMTP_ENC = {Security.NONE: "none", Security.STARTTLS: "tls", Security.TLS: "ssl"}
_PHPMAILER_SECURE = {
    Security.NONE: "''",
    Security.STARTTLS: "PHPMailer::ENCRYPTION_STARTTLS",
    Security.TLS: "PHPMailer::ENCRYPTION_SMTPS",
}
# The Post SMTP version its importer records; upgrade steps only run for older versions [U].
POST_SMTP_VERSION = "3.4.0"


def _php_bool(value: bool) -> str:
    return "true" if value else "false"


def _wordpress_constants(req: ExportRequest, prefix: str, plugin: str) -> str:
    """WP Mail SMTP's WPMS_* constants; Easy WP SMTP (a fork) uses the same names with
    EASY_WP_SMTP_ in place of WPMS_."""
    values: list[tuple[str, str]] = [
        ("ON", "true"),
        ("MAILER", "'smtp'"),
        ("SMTP_HOST", php_string(req.host)),
        ("SMTP_PORT", str(req.port)),
        ("SSL", php_string(_WP_SSL[req.security])),
        # Without this PHPMailer upgrades to STARTTLS by itself on "none" and may then fail.
        ("SMTP_AUTOTLS", _php_bool(req.security is not Security.NONE)),
        ("SMTP_AUTH", _php_bool(req.auth)),
    ]
    if req.username:
        values.append(("SMTP_USER", php_string(req.username)))
    if req.auth and req.password is not None:
        values.append(("SMTP_PASS", php_string(req.password)))
    values += [("MAIL_FROM", php_string(req.email)), ("MAIL_FROM_FORCE", "true")]
    if req.display_name:
        values += [
            ("MAIL_FROM_NAME", php_string(req.display_name)),
            ("MAIL_FROM_NAME_FORCE", "true"),
        ]
    values.append(("SET_RETURN_PATH", "true"))
    lines = [
        "<?php",
        f"// {plugin} settings, made by smtpwizard; checked: {req.checked_text}.",
        "// Copy the define() lines below into wp-config.php, above the line",
        "// /* That's all, stop editing! */  (do not copy the first <?php line).",
    ]
    if req.auth and req.password is None:
        lines += [
            "// The password is not in this file: type it in the plugin's settings page",
            f"// (the plugin keeps it there), or add a {prefix}SMTP_PASS line yourself.",
        ]
    lines += [f"define( '{prefix}{key}', {value} );" for key, value in values]
    return "\n".join(lines) + "\n"


def wp_mail_smtp(req: ExportRequest) -> str:
    return _wordpress_constants(req, "WPMS_", "WP Mail SMTP")


def easy_wp_smtp(req: ExportRequest) -> str:
    return _wordpress_constants(req, "EASY_WP_SMTP_", "Easy WP SMTP")


def post_smtp(req: ExportRequest) -> str:
    """Post SMTP's own Import/Export text: base64(zlib(json)), as PostmanOptions::import reads."""
    options: dict[str, object] = {
        "version": POST_SMTP_VERSION,
        "transport_type": "smtp",
        "hostname": req.host,
        "port": req.port,
        "enc_type": _POST_SMTP_ENC[req.security],
        "auth_type": "login" if req.auth else "none",
        "sender_email": req.email,
        "sender_name": req.display_name,
        "envelope_sender": req.email,
    }
    if req.username:
        options["basic_auth_username"] = req.username
    if req.auth and req.password is not None:
        # PostmanOptions::getPassword() base64-decodes the stored value.
        options["basic_auth_password"] = base64.b64encode(req.password.encode()).decode()
    data = json.dumps(options, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.b64encode(zlib.compress(data, 9)).decode("ascii") + "\n"


def phpmailer(req: ExportRequest) -> str:
    if req.password is not None:
        password = php_string(req.password)
    else:
        password = f"(string) getenv('{PASSWORD_ENV}')"
    lines = [
        "<?php",
        f"// PHPMailer SMTP settings, made by smtpwizard; checked: {req.checked_text}.",
        "// Usage: require this file, then call smtpwizard_configure($mail) on a new PHPMailer.",
        "use PHPMailer\\PHPMailer\\PHPMailer;",
        "",
        "function smtpwizard_configure(PHPMailer $mail): void",
        "{",
        "    $mail->isSMTP();",
        f"    $mail->Host = {php_string(req.host)};",
        f"    $mail->Port = {req.port};",
        f"    $mail->SMTPSecure = {_PHPMAILER_SECURE[req.security]};",
        f"    $mail->SMTPAutoTLS = {_php_bool(req.security is not Security.NONE)};",
        f"    $mail->SMTPAuth = {_php_bool(req.auth)};",
    ]
    if req.username:
        lines.append(f"    $mail->Username = {php_string(req.username)};")
        if req.password is None:
            lines.append(f"    // The password comes from the {PASSWORD_ENV} environment variable.")
        lines.append(f"    $mail->Password = {password};")
    lines += [
        "    $mail->Timeout = 30;",
        "    // PHPMailer's default is ISO-8859-1: names and text would arrive garbled.",
        "    $mail->CharSet = PHPMailer::CHARSET_UTF8;",
        f"    $mail->setFrom({php_string(req.email)}, {php_string(req.display_name)});",
        "}",
    ]
    return "\n".join(lines) + "\n"


_WP_HOW = (
    "Open wp-config.php on your web server (in the WordPress folder), paste the define() "
    'lines above the line "That\'s all, stop editing!", save, and send a test email from '
    "the plugin's settings. "
)

FORMATS = (
    ExportFormat(
        id="wp-mail-smtp",
        title="WordPress: WP Mail SMTP (wp-config.php constants)",
        audience=Audience.WEBSITE,
        file_name="wp-config-wp-mail-smtp.php",
        how_to_use=_WP_HOW,
        for_version="WP Mail SMTP 3.x and 4.x (free and Pro)",
        can_carry_password=True,
        render=wp_mail_smtp,
        sign_in_note="Type the password in WP Mail SMTP's settings page.",
    ),
    ExportFormat(
        id="easy-wp-smtp",
        title="WordPress: Easy WP SMTP (wp-config.php constants)",
        audience=Audience.WEBSITE,
        file_name="wp-config-easy-wp-smtp.php",
        how_to_use=_WP_HOW,
        can_carry_password=True,
        render=easy_wp_smtp,
        for_version="Easy WP SMTP 2.x",
        sign_in_note="Type the password in Easy WP SMTP's settings page.",
    ),
    ExportFormat(
        id="post-smtp",
        title="WordPress: Post SMTP (import text)",
        audience=Audience.WEBSITE,
        file_name="post-smtp-import.txt",
        how_to_use=(
            "In WordPress open Post SMTP > Settings (or Tools) > Import/Export, paste the whole "
            "text into the Import box and press Import. This replaces Post SMTP's current "
            "settings. Then type the password in Post SMTP's settings and send a test email."
        ),
        can_carry_password=True,
        render=post_smtp,
        for_version="Post SMTP 2.x and 3.x",
        sign_in_note="Type the password in Post SMTP's settings after importing.",
    ),
    ExportFormat(
        id="phpmailer",
        title="PHPMailer (PHP snippet)",
        audience=Audience.WEBSITE,
        file_name="phpmailer-smtp.php",
        how_to_use=(
            "require 'phpmailer-smtp.php'; then $mail = new PHPMailer(true); "
            "smtpwizard_configure($mail); add recipients and send. Set the SMTP_PASSWORD "
            "environment variable on the server (or export with the password included)."
        ),
        can_carry_password=True,
        render=phpmailer,
        place=Place.CODE,  # a library: used from code, not set up in a web app
        for_version="PHPMailer 6.x (PHP 7.2 and later)",
        sign_in_note=f"Read from the {PASSWORD_ENV} environment variable.",
    ),
)
