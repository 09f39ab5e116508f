"""Ruby on Rails (smtp_settings), Spring Boot (application.properties and .yml) and .NET MailKit.
By default the password comes from the environment, never from the file."""

from __future__ import annotations

from ..settings import Security
from .base import PASSWORD_ENV, Audience, ExportFormat, ExportRequest, ValueNotRepresentable
from .escaping import csharp_string, mailbox, properties_key_value, ruby_string, yaml_string

__all__ = ["FORMATS"]

_MAILKIT = {
    Security.NONE: "SecureSocketOptions.None",
    Security.STARTTLS: "SecureSocketOptions.StartTls",
    Security.TLS: "SecureSocketOptions.SslOnConnect",
}


def rails(req: ExportRequest) -> str:
    settings: list[tuple[str, str]] = [
        ("address", ruby_string(req.host)),
        ("port", str(req.port)),
        ("domain", ruby_string(req.domain)),
    ]
    if req.username:
        password = (
            ruby_string(req.password) if req.password is not None else f"ENV['{PASSWORD_ENV}']"
        )
        settings += [
            ("user_name", ruby_string(req.username)),
            ("password", password),
            ("authentication", ":plain"),
        ]
    if req.security is Security.TLS:
        settings.append(("tls", "true"))
    elif req.security is Security.STARTTLS:
        settings.append(("enable_starttls", "true"))  # required, not just "when offered"
    else:
        settings.append(("enable_starttls_auto", "false"))
    settings += [("open_timeout", "30"), ("read_timeout", "30")]
    body = ",\n".join(f"  {key}: {value}" for key, value in settings)
    sender = ruby_string(mailbox(req.display_name, req.email))
    return (
        f"# Rails Action Mailer, made by smtpwizard; checked: {req.checked_text}.\n"
        "# Paste into config/environments/production.rb inside Rails.application.configure.\n"
        "config.action_mailer.delivery_method = :smtp\n"
        "config.action_mailer.smtp_settings = {\n"
        f"{body}\n"
        "}\n"
        f"config.action_mailer.default_options = {{ from: {sender} }}\n"
    )


def _spring_values(req: ExportRequest) -> list[tuple[str, str | bool | int, str]]:
    """(key, value, field) in Spring Boot's names; `${` is refused because Spring would resolve
    it as a placeholder instead of reading it literally."""
    password = req.password if req.password is not None else "${" + PASSWORD_ENV + "}"
    values: list[tuple[str, str | bool | int, str]] = [
        ("spring.mail.host", req.host, "host"),
        ("spring.mail.port", req.port, "port"),
    ]
    if req.username:
        values += [
            ("spring.mail.username", req.username, "username"),
            ("spring.mail.password", password, "password"),
        ]
    props = "spring.mail.properties.mail.smtp."
    values.append((props + "auth", req.auth, "auth"))
    if req.security is Security.STARTTLS:
        values += [
            (props + "starttls.enable", True, "security"),
            (props + "starttls.required", True, "security"),
        ]
    elif req.security is Security.TLS:
        values.append((props + "ssl.enable", True, "security"))
    if req.security is not Security.NONE:
        # Jakarta Mail before Angus Mail 1.1 does not match the certificate to the host name
        # without this (mail.smtp.ssl.checkserveridentity, default false there): it signed in
        # to a server showing another name's certificate (tests/security/test_export_hardening).
        values.append((props + "ssl.checkserveridentity", True, "security"))
    values += [
        (props + "connectiontimeout", 30000, "timeout"),
        (props + "timeout", 30000, "timeout"),
        (props + "writetimeout", 30000, "timeout"),
    ]
    for key, value, field in values:
        if field in ("username", "password") and isinstance(value, str) and "${" in value:
            if key == "spring.mail.password" and req.password is None:
                continue  # our own ${SMTP_PASSWORD}
            raise ValueNotRepresentable(
                f"The {field} contains '${{', which Spring reads as a placeholder. Export "
                f"without the password and set {PASSWORD_ENV} in the environment instead.",
                field,
            )
    return values


def _scalar(value: str | bool | int) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return None


def spring_properties(req: ExportRequest) -> str:
    lines = [
        f"# Spring Boot mail settings, made by smtpwizard; checked: {req.checked_text}.",
        "# Add to src/main/resources/application.properties.",
    ]
    for key, value, field in _spring_values(req):
        plain = _scalar(value)
        lines.append(
            f"{key}={plain}" if plain is not None else properties_key_value(key, str(value), field)
        )
    return "\n".join(lines) + "\n"


def spring_yaml(req: ExportRequest) -> str:
    lines = [
        f"# Spring Boot mail settings, made by smtpwizard; checked: {req.checked_text}.",
        "# Merge into src/main/resources/application.yml.",
        "spring:",
        "  mail:",
    ]
    nested_open = False
    for key, value, field in _spring_values(req):
        plain = _scalar(value)
        literal = plain if plain is not None else yaml_string(str(value), field)
        name = key.removeprefix("spring.mail.")
        if name.startswith("properties."):
            if not nested_open:
                lines.append("    properties:")
                nested_open = True
            # Dotted names under `properties` are kept whole (a Map<String, String>).
            lines.append(f'      "[{name.removeprefix("properties.")}]": {literal}')
        else:
            lines.append(f"    {name}: {literal}")
    return "\n".join(lines) + "\n"


def mailkit(req: ExportRequest) -> str:
    if req.password is not None:
        password = csharp_string(req.password)
    else:
        password = f'Environment.GetEnvironmentVariable("{PASSWORD_ENV}")'
    auth = (
        f"        await client.AuthenticateAsync({csharp_string(req.username)}, {password});\n"
        if req.username
        else ""
    )
    return (
        f"// .NET MailKit, made by smtpwizard; checked: {req.checked_text}.\n"
        "using MailKit.Net.Smtp;\n"
        "using MailKit.Security;\n"
        "using MimeKit;\n"
        "\n"
        "public static class SmtpWizardMail\n"
        "{\n"
        "    public static readonly MailboxAddress From =\n"
        f"        new MailboxAddress({csharp_string(req.display_name)}, "
        f"{csharp_string(req.email)});\n"
        "\n"
        "    public static async Task SendAsync(MimeMessage message)\n"
        "    {\n"
        "        using var client = new SmtpClient { Timeout = 30000 };\n"
        f"        await client.ConnectAsync({csharp_string(req.host)}, {req.port}, "
        f"{_MAILKIT[req.security]});\n"
        f"{auth}"
        "        await client.SendAsync(message);\n"
        "        await client.DisconnectAsync(true);\n"
        "    }\n"
        "}\n"
    )


FORMATS = (
    ExportFormat(
        id="rails",
        title="Ruby on Rails (Action Mailer smtp_settings)",
        audience=Audience.FRAMEWORK,
        file_name="rails_smtp_settings.rb",
        how_to_use=(
            "Paste into config/environments/production.rb inside the "
            "Rails.application.configure block. Set SMTP_PASSWORD in the environment (or use "
            "Rails credentials)."
        ),
        can_carry_password=True,
        render=rails,
        for_version="Rails 7.x and 8.x (Action Mailer, mail gem 2.8)",
        sign_in_note=f"Read from ENV['{PASSWORD_ENV}'].",
    ),
    ExportFormat(
        id="spring-properties",
        title="Spring Boot (application.properties)",
        audience=Audience.FRAMEWORK,
        file_name="application-mail.properties",
        how_to_use=(
            "Add these lines to src/main/resources/application.properties. Set SMTP_PASSWORD "
            "in the environment; Spring fills in ${SMTP_PASSWORD} from there."
        ),
        can_carry_password=True,
        render=spring_properties,
        for_version="Spring Boot 3.x",
        sign_in_note="Spring resolves ${SMTP_PASSWORD} from the environment.",
    ),
    ExportFormat(
        id="spring-yaml",
        title="Spring Boot (application.yml)",
        audience=Audience.FRAMEWORK,
        file_name="application-mail.yml",
        how_to_use=(
            "Merge into src/main/resources/application.yml. Set SMTP_PASSWORD in the "
            "environment; Spring fills in ${SMTP_PASSWORD} from there."
        ),
        can_carry_password=True,
        render=spring_yaml,
        for_version="Spring Boot 3.x",
        sign_in_note="Spring resolves ${SMTP_PASSWORD} from the environment.",
    ),
    ExportFormat(
        id="mailkit",
        title=".NET MailKit (C# snippet)",
        audience=Audience.FRAMEWORK,
        file_name="SmtpWizardMail.cs",
        how_to_use=(
            "Add the MailKit NuGet package, add this file to your project, build a MimeMessage "
            "with From = SmtpWizardMail.From and call await SmtpWizardMail.SendAsync(message). "
            "Set SMTP_PASSWORD in the environment."
        ),
        can_carry_password=True,
        render=mailkit,
        for_version="MailKit 4.x (.NET 6 and later)",
        sign_in_note=f"Read from the {PASSWORD_ENV} environment variable.",
    ),
)
