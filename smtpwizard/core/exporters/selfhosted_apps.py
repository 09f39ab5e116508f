"""Self-hosted apps configured by INI, .env, JSON or YAML: Gitea/Forgejo, Grafana, Vaultwarden,
Keycloak, Ghost, Home Assistant and a Docker Compose .env block."""

from __future__ import annotations

import json

from ..settings import Security
from .base import Audience, ExportFormat, ExportRequest
from .escaping import env_file_value, goini_value, mailbox, refuse_line_breaks, yaml_string

__all__ = ["FORMATS"]

# Gitea/Forgejo [mailer] PROTOCOL (modules/setting/mailer.go, Gitea 1.18+): smtp+starttls
# insists on STARTTLS, smtps is TLS from the first byte, smtp never upgrades.
_GITEA_PROTOCOL = {Security.NONE: "smtp", Security.STARTTLS: "smtp+starttls", Security.TLS: "smtps"}
# Grafana [smtp] startTLS_policy (pkg/services/notifications/smtp.go); port 465 means implicit
# TLS there (go-mail's NewDialer: SSL = port == 465).
_GRAFANA_STARTTLS = {
    Security.NONE: "NoStartTLS",
    Security.STARTTLS: "MandatoryStartTLS",
    Security.TLS: "NoStartTLS",
}
# Vaultwarden SMTP_SECURITY (.env.template, src/config.rs, 1.27+).
_VAULTWARDEN_SECURITY = {
    Security.NONE: "off",
    Security.STARTTLS: "starttls",
    Security.TLS: "force_tls",
}
# Home Assistant smtp `encryption` (homeassistant/components/smtp/const.py ENCRYPTION_OPTIONS).
_HA_ENCRYPTION = {Security.NONE: "none", Security.STARTTLS: "starttls", Security.TLS: "tls"}


def gitea(req: ExportRequest) -> str:
    lines = [
        f"; Gitea / Forgejo mail settings, made by smtpwizard; checked: {req.checked_text}.",
        "; Replace the [mailer] section of app.ini (custom/conf/app.ini) with this, restart.",
        "[mailer]",
        "ENABLED = true",
        f"PROTOCOL = {_GITEA_PROTOCOL[req.security]}",
        f"SMTP_ADDR = {req.host}",
        f"SMTP_PORT = {req.port}",
        f"FROM = {goini_value(mailbox(req.display_name, req.email), 'email')}",
    ]
    if req.username:
        lines.append(f"USER = {goini_value(req.username, 'username')}")
        if req.password is not None:
            lines.append(f"PASSWD = {goini_value(req.password, 'password')}")
        else:
            lines.append("; Add PASSWD = `your password` (in backticks) yourself.")
    return "\n".join(lines) + "\n"


def grafana(req: ExportRequest) -> str:
    lines = [
        f"; Grafana mail settings, made by smtpwizard; checked: {req.checked_text}.",
        "; Replace the [smtp] section of grafana.ini (/etc/grafana/grafana.ini), restart Grafana.",
        "[smtp]",
        "enabled = true",
        f"host = {req.host}:{req.port}",
    ]
    if req.username:
        lines.append(f"user = {goini_value(req.username, 'username')}")
        if req.password is not None:
            lines.append(f"password = {goini_value(req.password, 'password')}")
        else:
            lines.append("; Add password = `your password` yourself, or set GF_SMTP_PASSWORD.")
    lines += [
        "skip_verify = false",
        f"startTLS_policy = {_GRAFANA_STARTTLS[req.security]}",
        f"from_address = {goini_value(req.email, 'email')}",
        f"from_name = {goini_value(req.display_name or 'Grafana', 'display_name')}",
    ]
    if req.security is Security.TLS and req.port != 465:
        lines.append("; Grafana speaks TLS from the first byte only on port 465.")
    return "\n".join(lines) + "\n"


_ENV_FIELDS = {
    "SMTP_HOST": "host",
    "SMTP_FROM": "email",
    "SMTP_FROM_NAME": "display_name",
    "SMTP_USERNAME": "username",
    "SMTP_PASSWORD": "password",
}


def _env_lines(pairs: list[tuple[str, str]], syntax: str) -> list[str]:
    return [
        f"{key}={env_file_value(value, _ENV_FIELDS.get(key, 'value'), syntax)}"
        for key, value in pairs
    ]


def _env_block(
    req: ExportRequest, syntax: str, security: str, extra: list[tuple[str, str]]
) -> list[str]:
    pairs = [
        ("SMTP_HOST", req.host),
        ("SMTP_PORT", str(req.port)),
        ("SMTP_SECURITY", security),
        *extra,
        ("SMTP_FROM", req.email),
    ]
    if req.username:
        pairs.append(("SMTP_USERNAME", req.username))
        if req.password is not None:
            pairs.append(("SMTP_PASSWORD", req.password))
    return _env_lines(pairs, syntax)


def vaultwarden(req: ExportRequest) -> str:
    security = _VAULTWARDEN_SECURITY[req.security]
    name = [("SMTP_FROM_NAME", req.display_name or "Vaultwarden")]
    lines = [
        f"# Vaultwarden mail settings, made by smtpwizard; checked: {req.checked_text}.",
        "# Put these lines in Vaultwarden's .env (or the env_file of its container), restart.",
        *_env_block(req, "Vaultwarden's .env file", security, name),
        "SMTP_TIMEOUT=30",
    ]
    if req.auth and req.password is None:
        lines.append("# Add SMTP_PASSWORD='...' yourself, or set it in the admin page (/admin).")
    return "\n".join(lines) + "\n"


def docker_env(req: ExportRequest) -> str:
    """Generic names many images read; the values follow Docker Compose's env_file rules."""
    security = {Security.NONE: "none", Security.STARTTLS: "starttls", Security.TLS: "tls"}
    extra = [
        ("SMTP_STARTTLS", "true" if req.security is Security.STARTTLS else "false"),
        ("SMTP_TLS", "true" if req.security is Security.TLS else "false"),
        ("SMTP_FROM_NAME", req.display_name),
    ]
    lines = [
        "# SMTP settings for a Docker Compose .env file, made by smtpwizard;",
        f"# checked: {req.checked_text}.",
        "# Use with env_file: in compose.yaml, then map these names to the ones your image",
        "# reads (its documentation lists them), e.g. MAIL_HOST: ${SMTP_HOST}.",
        *_env_block(req, "a Docker Compose .env file", security[req.security], extra),
    ]
    if req.auth and req.password is None:
        lines.append("# Add SMTP_PASSWORD='...' (single quotes) yourself; keep this file private.")
    return "\n".join(lines) + "\n"


def keycloak(req: ExportRequest) -> str:
    """The realm representation's smtpServer map (Keycloak's RealmRepresentation, read by
    DefaultEmailSenderProvider): every value is a string."""
    server: dict[str, str] = {
        "host": refuse_line_breaks(req.host, "host", "Keycloak"),
        "port": str(req.port),
        "from": req.email,
        "fromDisplayName": req.display_name,
        "ssl": "true" if req.security is Security.TLS else "false",
        "starttls": "true" if req.security is Security.STARTTLS else "false",
        "auth": "true" if req.auth else "false",
    }
    if req.username:
        server["user"] = req.username
        if req.password is not None:
            server["password"] = req.password
    return json.dumps({"smtpServer": server}, indent=2, ensure_ascii=False) + "\n"


def ghost(req: ExportRequest) -> str:
    """Ghost's config.production.json `mail` block; Ghost hands `options` to Nodemailer's
    createTransport as they are (ghost/core/core/server/services/mail/GhostMailer.js)."""
    options: dict[str, object] = {"host": req.host, "port": req.port}
    if req.security is Security.TLS:
        options["secure"] = True
    elif req.security is Security.STARTTLS:
        options |= {"secure": False, "requireTLS": True}
    else:
        options |= {"secure": False, "ignoreTLS": True}
    if req.username:
        auth = {"user": req.username}
        if req.password is not None:
            auth["pass"] = req.password
        options["auth"] = auth
    mail = {"transport": "SMTP", "from": mailbox(req.display_name, req.email), "options": options}
    return json.dumps({"mail": mail}, indent=2, ensure_ascii=False) + "\n"


def home_assistant(req: ExportRequest) -> str:
    lines = [
        f"# Home Assistant email notifications, made by smtpwizard; checked: {req.checked_text}.",
        "# Add to configuration.yaml (merge with an existing notify: list), then restart.",
        "notify:",
        "  - name: email",
        "    platform: smtp",
        f"    server: {yaml_string(req.host)}",
        f"    port: {req.port}",
        f"    encryption: {_HA_ENCRYPTION[req.security]}",
        "    timeout: 30",
        f"    sender: {yaml_string(req.email)}",
    ]
    if req.display_name:
        lines.append(f"    sender_name: {yaml_string(req.display_name)}")
    if req.username:
        lines.append(f"    username: {yaml_string(req.username)}")
        if req.password is not None:
            lines.append(f"    password: {yaml_string(req.password)}")
        else:
            lines.append("    password: !secret smtp_password")
    lines += ["    recipient:", f"      - {yaml_string(req.email)}"]
    return "\n".join(lines) + "\n"


FORMATS = (
    ExportFormat(
        id="gitea",
        title="Gitea and Forgejo (app.ini [mailer])",
        audience=Audience.WEBSITE,
        file_name="gitea-mailer.ini",
        how_to_use=(
            "Replace the [mailer] section of app.ini (often /etc/gitea/app.ini or "
            "custom/conf/app.ini) with this one and restart Gitea or Forgejo. Test from Site "
            "Administration > Configuration > Mailer Configuration > Send Testing Email."
        ),
        can_carry_password=True,
        render=gitea,
        sign_in_note="Add PASSWD = `your password` to app.ini.",
        for_version="Gitea 1.18 and later, Forgejo 1.18 and later",
    ),
    ExportFormat(
        id="grafana",
        title="Grafana (grafana.ini [smtp])",
        audience=Audience.WEBSITE,
        file_name="grafana-smtp.ini",
        how_to_use=(
            "Replace the [smtp] section of grafana.ini (/etc/grafana/grafana.ini; in Docker set "
            "the same as GF_SMTP_ variables) and restart Grafana. Test with a contact point's "
            "Test button (Alerting > Contact points)."
        ),
        can_carry_password=True,
        render=grafana,
        sign_in_note="Add password = `...` to grafana.ini or set GF_SMTP_PASSWORD.",
        for_version="Grafana 9.x to 12.x",
    ),
    ExportFormat(
        id="vaultwarden",
        title="Vaultwarden (.env SMTP_ lines)",
        audience=Audience.WEBSITE,
        file_name="vaultwarden-smtp.env",
        how_to_use=(
            "Put these lines in Vaultwarden's .env file (or the env_file of its container) and "
            "restart it, then send a test from the admin page (/admin > SMTP Email Settings)."
        ),
        can_carry_password=True,
        render=vaultwarden,
        sign_in_note="Set SMTP_PASSWORD in .env or on the admin page.",
        for_version="Vaultwarden 1.27 and later",
    ),
    ExportFormat(
        id="docker-env",
        title="Docker Compose .env block (SMTP_ variables)",
        audience=Audience.TOOL,
        file_name="smtp.env",
        how_to_use=(
            "Save next to compose.yaml and add env_file: smtp.env to the service, then pass the "
            "values to the names your image reads (environment: MAIL_HOST: ${SMTP_HOST} ...). "
            "Keep the file out of version control (.gitignore)."
        ),
        can_carry_password=True,
        render=docker_env,
        sign_in_note="Add SMTP_PASSWORD='...' to the file yourself.",
        for_version="Docker Compose v2 (compose.yaml env_file)",
    ),
    ExportFormat(
        id="keycloak",
        title="Keycloak (realm smtpServer, for kcadm.sh)",
        audience=Audience.WEBSITE,
        file_name="keycloak-smtp.json",
        how_to_use=(
            "Run: kcadm.sh update realms/YOUR-REALM -f keycloak-smtp.json (after kcadm.sh "
            "config credentials), or type the same values in the admin console: Realm settings "
            "> Email, then press Test connection. Keycloak uses STARTTLS when the server offers "
            "it but cannot insist on it."
        ),
        can_carry_password=True,
        render=keycloak,
        sign_in_note="Type the password in Realm settings > Email.",
        for_version="Keycloak 22 to 26",
    ),
    ExportFormat(
        id="ghost",
        title="Ghost (config.production.json mail block)",
        audience=Audience.WEBSITE,
        file_name="ghost-mail.json",
        how_to_use=(
            'Merge the "mail" block into config.production.json in Ghost\'s folder (replace any '
            '"mail" there), add the password as "pass" under auth, then run ghost restart.'
        ),
        can_carry_password=True,
        render=ghost,
        sign_in_note='Add "pass" under mail.options.auth in config.production.json.',
        for_version="Ghost 5.x and 6.x (transactional mail)",
    ),
    ExportFormat(
        id="home-assistant",
        title="Home Assistant (notify: smtp in configuration.yaml)",
        audience=Audience.TOOL,
        file_name="home-assistant-smtp.yaml",
        how_to_use=(
            "Add the notify: entry to configuration.yaml (or merge it into yours), put "
            "smtp_password: your-password in secrets.yaml, restart Home Assistant and call the "
            "notify.email action to test."
        ),
        can_carry_password=True,
        render=home_assistant,
        sign_in_note="Put smtp_password in secrets.yaml.",
        for_version="Home Assistant 2024.x and 2025.x (smtp integration)",
    ),
)
