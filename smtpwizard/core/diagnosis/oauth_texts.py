"""The plain words for OAuth2 sign-in failures: (title, explanation, fix) by code.

catalogue.py folds these into CATALOGUE. They are apart because they speak of the identity
provider ({provider}: "Microsoft", "Google" or the issuer's name) rather than the mail server,
and core/oauth/errors.py decides which one applies.
"""

from __future__ import annotations

# Where a Microsoft 365 administrator turns SMTP AUTH on, per mailbox and for the organisation
# (Microsoft Learn, "Enable or disable authenticated client SMTP submission (SMTP AUTH) in
# Exchange Online").
SMTP_AUTH_ADMIN_STEPS = (
    "In the Microsoft 365 admin center open Users > Active users, select the mailbox, open the "
    "Mail tab, choose 'Manage email apps' and tick 'Authenticated SMTP'; or in Exchange Online "
    "PowerShell run: Set-CASMailbox -Identity {username} -SmtpClientAuthenticationDisabled "
    "$false. If the reply says 'for the Tenant', the organisation-wide switch is off: "
    "Set-TransportConfig -SmtpClientAuthenticationDisabled $false (or Exchange admin center > "
    "Settings > Mail flow). Changes can take up to an hour to apply."
)

OAUTH_TEXTS: dict[str, tuple[str, str, str]] = {
    "oauth_consent_denied": (
        "The sign-in was cancelled",
        "The {provider} sign-in ended without permission to send mail: the page was closed, "
        "Cancel was chosen, or access was declined.",
        "Start the sign-in again and, on {provider}'s page, allow the app to send email for you.",
    ),
    "oauth_admin_consent": (
        "Your organisation's administrator must approve this app",
        "{provider} will not let you allow this app yourself: your organisation only lets an "
        "administrator grant apps access to mail.",
        "Ask your IT administrator to grant admin consent for the app (client ID {client_id}) "
        "with the SMTP.Send permission, then sign in again.",
    ),
    "oauth_grant_invalid": (
        "Your sign-in has expired or was withdrawn",
        "{provider} no longer accepts the saved sign-in: it expired, the password was changed, "
        "or access was revoked.",
        "Sign in again (smtpwizard oauth login, or 'Sign in with {provider}' in the wizard).",
    ),
    "oauth_wrong_scope": (
        "The sign-in does not allow sending mail",
        "The token {provider} gave does not carry the permission to send mail over SMTP ({reply}).",
        "Sign in again and allow sending email. If you registered the app yourself, add the "
        "mail-sending permission to it ({mechanisms}).",
    ),
    "oauth_client_unknown": (
        "This app is not known to {provider}",
        "The client ID {client_id} is not registered with {provider}, or not in your "
        "organisation (a typing error, a deleted app, or an app registered for one "
        "organisation only).",
        "Check the client ID against your app registration. If the app belongs to another "
        "organisation, register one in yours (see 'smtpwizard oauth guide').",
    ),
    "oauth_clock_skew": (
        "Your computer's clock is wrong",
        "Your computer's clock is {skew} of {provider}'s, so sign-ins look expired or "
        "not yet valid.",
        "Turn on 'Set time automatically' in your system's date and time settings, then sign "
        "in again.",
    ),
    "oauth_smtp_disabled": (
        "Sending with a mail program is switched off for this mailbox",
        "The sign-in worked, but {host} refuses programs that send mail over SMTP for this "
        'mailbox ("{reply}"). Microsoft 365 turns this off by default.',
        "An administrator must turn on 'Authenticated SMTP' for {username}. "
        + SMTP_AUTH_ADMIN_STEPS,
    ),
    "oauth_token_rejected": (
        "The mail server refused the sign-in token",
        '{host} did not accept the token for {username} ("{reply}"). It may have expired, be '
        "meant for another service, or belong to another address.",
        "Sign in again with the same address as the username. If it keeps failing, check that "
        "the app asks for the mail-sending permission.",
    ),
    "oauth_wrong_audience": (
        "The sign-in token is meant for another service",
        '{host} refused the token for {username} ("{reply}"). The token says it was issued for '
        '"{audience}", which does not look like this mail server: an identity provider gives '
        "each service its own tokens (a Microsoft Graph token, for instance, does not work "
        "for Exchange Online's SMTP).",
        "Sign in again asking for the mail server's permission: for Microsoft 365 that is "
        "https://outlook.office.com/SMTP.Send (Office 365 Exchange Online), not Graph's "
        "Mail.Send; elsewhere, the mail server's own resource or audience. If you registered "
        "the app yourself, add that API permission to it.",
    ),
    "oauth_provider_error": (
        "The sign-in with {provider} did not work",
        "{provider} answered the sign-in with an error we do not know ({reply}).",
        "Try again. If it keeps failing, show the technical details to whoever manages "
        "your account.",
    ),
    "oauth_provider_unreachable": (
        "We could not reach {provider}",
        "The sign-in needs {provider}'s servers, and they did not answer ({reply}).",
        "Check your internet connection and try again.",
    ),
    "oauth_not_signed_in": (
        "You are not signed in",
        "There is no saved {provider} sign-in for {username} in this computer's keychain.",
        "Sign in first: smtpwizard oauth login, or 'Sign in' in the wizard.",
    ),
}
