"""Ruby on Rails apps people host themselves: GitLab (gitlab.rb), Mastodon (.env.production),
Discourse (containers/app.yml). All three hand their values to the mail gem (Action Mailer)."""

from __future__ import annotations

from ..settings import Security
from .base import PASSWORD_ENV, Audience, ExportFormat, ExportRequest
from .escaping import mailbox, ruby_dotenv_value, ruby_string, yaml_string

__all__ = ["FORMATS"]


def gitlab(req: ExportRequest) -> str:
    """omnibus-gitlab files/gitlab-cookbooks/gitlab/attributes/default.rb (smtp_*), rendered
    into Action Mailer's smtp_settings by templates/default/smtp_settings.rb.erb."""
    rails = "gitlab_rails"
    lines = [
        f"# GitLab (Omnibus) mail settings, made by smtpwizard; checked: {req.checked_text}.",
        "# Add to /etc/gitlab/gitlab.rb, then run: sudo gitlab-ctl reconfigure",
        f"{rails}['smtp_enable'] = true",
        f"{rails}['smtp_address'] = {ruby_string(req.host)}",
        f"{rails}['smtp_port'] = {req.port}",
    ]
    if req.username:
        lines.append(f"{rails}['smtp_user_name'] = {ruby_string(req.username)}")
        if req.password is not None:
            lines.append(f"{rails}['smtp_password'] = {ruby_string(req.password)}")
        else:
            lines += [
                f"# The password is read from {PASSWORD_ENV} when gitlab-ctl reconfigure runs.",
                f"{rails}['smtp_password'] = ENV.fetch('{PASSWORD_ENV}')",
            ]
        lines.append(f"{rails}['smtp_authentication'] = 'login'")
    lines += [
        f"{rails}['smtp_domain'] = {ruby_string(req.domain)}",
        f"{rails}['smtp_enable_starttls_auto'] = {str(req.security is Security.STARTTLS).lower()}",
        f"{rails}['smtp_tls'] = {str(req.security is Security.TLS).lower()}",
        f"{rails}['smtp_openssl_verify_mode'] = 'peer'",
        f"{rails}['gitlab_email_from'] = {ruby_string(req.email)}",
        f"{rails}['gitlab_email_display_name'] = {ruby_string(req.display_name or 'GitLab')}",
    ]
    if req.security is Security.STARTTLS:
        lines += [
            "# GitLab has no setting that insists on STARTTLS: it uses it whenever the server",
            "# offers it, so keep port 587 on a server that always does.",
        ]
    return "\n".join(lines) + "\n"


def mastodon(req: ExportRequest) -> str:
    """Mastodon 4.3+ config/email.yml reads these; production.rb turns SMTP_ENABLE_STARTTLS
    'always' into enable_starttls and 'never' into no STARTTLS at all."""
    starttls = {Security.STARTTLS: "always", Security.TLS: "never", Security.NONE: "never"}
    lines = [
        f"# Mastodon mail settings, made by smtpwizard; checked: {req.checked_text}.",
        "# Put these lines in .env.production (replace the SMTP_ lines there), then restart",
        "# Mastodon (systemctl restart mastodon-web mastodon-sidekiq, or docker compose up -d).",
        f"SMTP_SERVER={ruby_dotenv_value(req.host, 'host')}",
        f"SMTP_PORT={req.port}",
    ]
    if req.username:
        lines.append(f"SMTP_LOGIN={ruby_dotenv_value(req.username, 'username')}")
        if req.password is not None:
            lines.append(f"SMTP_PASSWORD={ruby_dotenv_value(req.password, 'password')}")
        else:
            lines.append(
                "# Add SMTP_PASSWORD=... yourself (or set it in the service's environment)."
            )
        lines.append("SMTP_AUTH_METHOD=plain")
    else:
        lines.append("SMTP_AUTH_METHOD=none")
    lines += [
        f"SMTP_ENABLE_STARTTLS={starttls[req.security]}",
        f"SMTP_TLS={'true' if req.security is Security.TLS else 'false'}",
        "SMTP_OPENSSL_VERIFY_MODE=peer",
        f"SMTP_FROM_ADDRESS={ruby_dotenv_value(mailbox(req.display_name, req.email), 'email')}",
    ]
    return "\n".join(lines) + "\n"


def discourse(req: ExportRequest) -> str:
    """discourse/discourse config/discourse_defaults.conf (smtp_*) read from DISCOURSE_SMTP_*;
    config/environments/production.rb hands them to Action Mailer."""
    env: list[tuple[str, str]] = [
        ("DISCOURSE_SMTP_ADDRESS", yaml_string(req.host)),
        ("DISCOURSE_SMTP_PORT", str(req.port)),
    ]
    if req.username:
        env.append(("DISCOURSE_SMTP_USER_NAME", yaml_string(req.username)))
        if req.password is not None:
            env.append(("DISCOURSE_SMTP_PASSWORD", yaml_string(req.password)))
        env.append(("DISCOURSE_SMTP_AUTHENTICATION", "login"))
    env += [
        (
            "DISCOURSE_SMTP_ENABLE_START_TLS",
            "true" if req.security is Security.STARTTLS else "false",
        ),
        ("DISCOURSE_SMTP_FORCE_TLS", "true" if req.security is Security.TLS else "false"),
        ("DISCOURSE_SMTP_OPENSSL_VERIFY_MODE", "peer"),
        ("DISCOURSE_SMTP_DOMAIN", yaml_string(req.domain)),
        ("DISCOURSE_NOTIFICATION_EMAIL", yaml_string(req.email)),
    ]
    lines = [
        f"# Discourse mail settings, made by smtpwizard; checked: {req.checked_text}.",
        "# Put the DISCOURSE_ lines into the env: section of containers/app.yml (replace the",
        "# ones there), then run: ./launcher rebuild app",
    ]
    if req.auth and req.password is None:
        lines.append('# Add DISCOURSE_SMTP_PASSWORD: "..." yourself (in quotes).')
    if req.security is Security.STARTTLS:
        lines += [
            "# Discourse uses STARTTLS whenever the server offers it; it has no setting that",
            "# refuses a server that does not.",
        ]
    lines += ["env:", *(f"  {key}: {value}" for key, value in env)]
    return "\n".join(lines) + "\n"


FORMATS = (
    ExportFormat(
        id="gitlab",
        title="GitLab (gitlab.rb smtp settings, Omnibus and Docker)",
        audience=Audience.WEBSITE,
        file_name="gitlab-smtp.rb",
        how_to_use=(
            "Add these lines to /etc/gitlab/gitlab.rb (in Docker: the GITLAB_OMNIBUS_CONFIG or "
            "the mounted gitlab.rb), set SMTP_PASSWORD for the reconfigure run, then sudo "
            "gitlab-ctl reconfigure. Test: gitlab-rails console, then "
            "Notify.test_email('you@example.com', 'Test', 'Test').deliver_now"
        ),
        can_carry_password=True,
        render=gitlab,
        sign_in_note=f"Read from {PASSWORD_ENV} when gitlab-ctl reconfigure runs.",
        for_version="GitLab 16, 17 and 18 (Omnibus packages and Docker images)",
    ),
    ExportFormat(
        id="mastodon",
        title="Mastodon (.env.production SMTP_ lines)",
        audience=Audience.WEBSITE,
        file_name="mastodon-smtp.env",
        how_to_use=(
            "Copy these lines into .env.production, replacing the SMTP_ lines there, add "
            "SMTP_PASSWORD, and restart Mastodon's web and sidekiq services. Test: "
            "tootctl accounts ... or an admin 'resend confirmation' email."
        ),
        can_carry_password=True,
        render=mastodon,
        sign_in_note="Add the SMTP_PASSWORD line to .env.production yourself.",
        for_version="Mastodon 4.3 and 4.4",
    ),
    ExportFormat(
        id="discourse",
        title="Discourse (containers/app.yml env lines)",
        audience=Audience.WEBSITE,
        file_name="discourse-smtp.yml",
        how_to_use=(
            "Copy the DISCOURSE_SMTP_ and DISCOURSE_NOTIFICATION_EMAIL lines into the env: "
            "section of /var/discourse/containers/app.yml (keep the indentation), add the "
            "password, then run ./launcher rebuild app and send a test from Admin > Emails."
        ),
        can_carry_password=True,
        render=discourse,
        sign_in_note="Add DISCOURSE_SMTP_PASSWORD to app.yml yourself.",
        for_version="Discourse 3.x (official Docker install)",
    ),
)
