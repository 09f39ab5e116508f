"""PHP web apps people host themselves: FluentSMTP (WordPress), Joomla, Drupal, Nextcloud.
Each file starts with `<?php` so PHP itself reads it as it is (the tests include it)."""

from __future__ import annotations

from ..settings import Security
from .base import Audience, ExportFormat, ExportRequest
from .escaping import php_string

__all__ = ["FORMATS"]

# FluentSMTP's SMTP connection (app/Services/Mailer/Providers/Smtp/Handler.php, 2.2.x):
# SMTPSecure = encryption unless 'none'; SMTPAutoTLS = auto_tls != 'no'.
_FLUENT_ENCRYPTION = {Security.NONE: "none", Security.STARTTLS: "tls", Security.TLS: "ssl"}
# Joomla passes smtpsecure to PHPMailer's SMTPSecure only when it is 'ssl' or 'tls'
# (libraries/src/Mail/Mail.php useSmtp, Joomla 4.4/5.x).
_JOOMLA_SECURE = {Security.NONE: "none", Security.STARTTLS: "tls", Security.TLS: "ssl"}


def _php_bool(value: bool) -> str:
    return "true" if value else "false"


def _php_array(pairs: list[tuple[str, str]], indent: str = "  ") -> list[str]:
    return [f"{indent}{php_string(key)} => {value}," for key, value in pairs]


def fluentsmtp(req: ExportRequest) -> str:
    """FluentSMTP keeps its connection in the database (option fluentmail-settings); only the
    login can live in wp-config.php (key_store 'wp_config', Handler::setSettings). So: the
    constants for wp-config.php, and the connection exactly as FluentSMTP stores it."""
    connection: list[tuple[str, str]] = [
        ("provider", "'smtp'"),
        ("sender_email", php_string(req.email)),
        ("sender_name", php_string(req.display_name)),
        ("force_from_name", "'yes'" if req.display_name else "'no'"),
        ("host", php_string(req.host)),
        ("port", php_string(str(req.port))),
        ("auth", "'yes'" if req.auth else "'no'"),
        ("encryption", php_string(_FLUENT_ENCRYPTION[req.security])),
        # Without this PHPMailer upgrades to STARTTLS by itself on "none" and may then fail.
        ("auto_tls", "'no'" if req.security is Security.NONE else "'yes'"),
        ("key_store", "'wp_config'" if req.auth else "'db'"),
    ]
    lines = [
        "<?php",
        f"// FluentSMTP settings, made by smtpwizard; checked: {req.checked_text}.",
        "// 1. Copy the define() lines into wp-config.php, above /* That's all, stop editing! */",
        "// 2. In WordPress open FluentSMTP > Settings > Add Another Connection > Other SMTP and",
        "//    fill in the values of $smtpwizard_fluentsmtp below (FluentSMTP keeps them in its",
        "//    own settings, not in wp-config.php); choose 'Store in wp-config.php' for the login.",
    ]
    if req.username:
        lines.append(f"define( 'FLUENTMAIL_SMTP_USERNAME', {php_string(req.username)} );")
        if req.password is not None:
            lines.append(f"define( 'FLUENTMAIL_SMTP_PASSWORD', {php_string(req.password)} );")
        else:
            lines += [
                "// The password is not in this file: add a FLUENTMAIL_SMTP_PASSWORD line yourself",
                "// or choose 'Store in database' and type it in FluentSMTP.",
            ]
    lines += ["$smtpwizard_fluentsmtp = [", *_php_array(connection), "];"]
    return "\n".join(lines) + "\n"


def joomla(req: ExportRequest) -> str:
    password = php_string(req.password) if req.password is not None else "''"
    props: list[tuple[str, str]] = [
        ("mailonline", "true"),
        ("mailer", "'smtp'"),
        ("mailfrom", php_string(req.email)),
        ("fromname", php_string(req.display_name)),
        ("smtpauth", "true" if req.auth else "false"),
        ("smtpuser", php_string(req.username or "")),
        ("smtppass", password if req.auth else "''"),
        ("smtphost", php_string(req.host)),
        ("smtpsecure", php_string(_JOOMLA_SECURE[req.security])),
        ("smtpport", str(req.port)),
    ]
    lines = [
        "<?php",
        f"// Joomla mail settings, made by smtpwizard; checked: {req.checked_text}.",
        "// In configuration.php (Joomla's folder), replace the lines with the same names inside",
        "// class JConfig { ... } by these (do not copy the first line or the class line).",
    ]
    if req.auth and req.password is None:
        lines.append(
            "// smtppass is empty: type the password in System > Global Configuration > Server."
        )
    lines += ["class JConfig", "{", *(f"\tpublic ${name} = {value};" for name, value in props), "}"]
    return "\n".join(lines) + "\n"


def drupal(req: ExportRequest) -> str:
    scheme = "smtps" if req.security is Security.TLS else "smtp"
    options: list[tuple[str, str]] = []
    if req.security is Security.STARTTLS:
        options.append(("require_tls", "true"))  # honoured from Symfony Mailer 7.3
    elif req.security is Security.NONE:
        options.append(("auto_tls", "false"))  # Symfony Mailer 7.1+
    dsn: list[tuple[str, str]] = [
        ("scheme", php_string(scheme)),
        ("host", php_string(req.host)),
        ("user", php_string(req.username) if req.username else "null"),
    ]
    if req.password is not None:
        dsn.append(("password", php_string(req.password)))
    elif req.auth:
        dsn.append(("password", "getenv('SMTP_PASSWORD') ?: null"))
    else:
        dsn.append(("password", "null"))
    dsn += [
        ("port", str(req.port)),
        ("options", "[" + ", ".join(f"{php_string(k)} => {v}" for k, v in options) + "]"),
    ]
    lines = [
        "<?php",
        f"// Drupal mail settings, made by smtpwizard; checked: {req.checked_text}.",
        "// Add to sites/default/settings.php (Drupal 10.3 and later, core Symfony Mailer).",
    ]
    if req.auth and req.password is None:
        lines.append("// The password is read from the SMTP_PASSWORD environment variable.")
    lines += [
        "$config['system.mail']['interface']['default'] = 'symfony_mailer';",
        "$config['system.mail']['mailer_dsn'] = [",
        *_php_array(dsn),
        "];",
        f"$config['system.site']['mail'] = {php_string(req.email)};",
    ]
    return "\n".join(lines) + "\n"


def nextcloud(req: ExportRequest) -> str:
    local, domain = req.email.rsplit("@", 1)
    values: list[tuple[str, str]] = [
        ("mail_smtpmode", "'smtp'"),
        ("mail_sendmailmode", "'smtp'"),
        ("mail_smtphost", php_string(req.host)),
        ("mail_smtpport", str(req.port)),
        # Nextcloud knows only 'ssl' (implicit TLS); otherwise Symfony Mailer uses STARTTLS
        # whenever the server offers it (lib/private/Mail/Mailer.php getSmtpInstance).
        ("mail_smtpsecure", "'ssl'" if req.security is Security.TLS else "''"),
        ("mail_smtpauth", _php_bool(req.auth)),
        ("mail_smtpname", php_string(req.username or "")),
    ]
    if req.password is not None:
        values.append(("mail_smtppassword", php_string(req.password)))
    values += [
        ("mail_from_address", php_string(local)),
        ("mail_domain", php_string(domain)),
        ("mail_smtptimeout", "30"),
    ]
    lines = [
        "<?php",
        f"// Nextcloud mail settings, made by smtpwizard; checked: {req.checked_text}.",
        "// Copy the lines inside the array into config/config.php's $CONFIG array, or use",
        "// Administration settings > Basic settings > Email server with the same values.",
    ]
    if req.security is Security.STARTTLS:
        lines += [
            "// Nextcloud cannot insist on STARTTLS: it uses it whenever the server offers it,",
            "// and sends unencrypted if someone on the way hides that offer.",
        ]
    if req.auth and req.password is None:
        lines.append("// Type the password in Basic settings > Email server (Credentials).")
    lines += ["$CONFIG = [", *_php_array(values), "];"]
    return "\n".join(lines) + "\n"


FORMATS = (
    ExportFormat(
        id="fluentsmtp",
        title="WordPress: FluentSMTP (wp-config.php login and the connection values)",
        audience=Audience.WEBSITE,
        file_name="fluentsmtp-settings.php",
        how_to_use=(
            'Copy the define() lines into wp-config.php (above "That\'s all, stop editing!"). '
            "Then in WordPress open FluentSMTP > Settings, add a connection of type Other SMTP "
            "and fill in the values listed in the file (host, port, encryption, auto TLS, "
            "sender); choose to store the login in wp-config.php, save, and send a test email. "
            "FluentSMTP does not read WP Mail SMTP's wp-config.php constants."
        ),
        can_carry_password=True,
        render=fluentsmtp,
        sign_in_note="Type the password in FluentSMTP's connection settings.",
        for_version="FluentSMTP 2.x",
    ),
    ExportFormat(
        id="joomla",
        title="Joomla (configuration.php mail lines)",
        audience=Audience.WEBSITE,
        file_name="joomla-configuration-mail.php",
        how_to_use=(
            "Open configuration.php in Joomla's folder and replace the lines with the same names "
            "(public $mailer, $smtphost, ...) by these, or type the same values in System > "
            "Global Configuration > Server > Mail. Then press Send Test Mail there."
        ),
        can_carry_password=True,
        render=joomla,
        sign_in_note="Type the password in Global Configuration > Server > SMTP Password.",
        for_version="Joomla 4.x and 5.x",
    ),
    ExportFormat(
        id="drupal",
        title="Drupal (settings.php, core Symfony Mailer)",
        audience=Audience.WEBSITE,
        file_name="drupal-mail-settings.php",
        how_to_use=(
            "Add these lines at the end of sites/default/settings.php (drop the first <?php "
            "line), set SMTP_PASSWORD in the web server's environment, then clear the cache "
            "(drush cr)."
        ),
        can_carry_password=True,
        render=drupal,
        sign_in_note="Read from the SMTP_PASSWORD environment variable.",
        for_version="Drupal 10.3 and 11.x (require_tls is honoured from Symfony Mailer 7.3)",
    ),
    ExportFormat(
        id="nextcloud",
        title="Nextcloud (config.php mail_smtp settings)",
        audience=Audience.WEBSITE,
        file_name="nextcloud-mail-config.php",
        how_to_use=(
            "Copy the lines between [ and ] into the $CONFIG array of config/config.php, or "
            "type the same values in Administration settings > Basic settings > Email server, "
            "then press Send email there to test."
        ),
        can_carry_password=True,
        render=nextcloud,
        sign_in_note="Type the password in Basic settings > Email server.",
        for_version="Nextcloud 27 to 31",
    ),
)
