"""Mail programs that take a file: Thunderbird (autoconfig XML, user.js) and Apple Mail
(.mobileconfig). None of them takes an SMTP password from such a file in a supported way.
Outlook lives in outlook.py."""

from __future__ import annotations

import plistlib
import uuid

from ..settings import IncomingProtocol, Security
from .base import Audience, ExportFormat, ExportRequest
from .escaping import js_string, xml_text

__all__ = ["FORMATS"]

_TB_SOCKET = {Security.NONE: "plain", Security.STARTTLS: "STARTTLS", Security.TLS: "SSL"}
_TB_TRY_SSL = {Security.NONE: 0, Security.STARTTLS: 2, Security.TLS: 3}
_TB_AUTH_NONE, _TB_AUTH_CLEARTEXT = 1, 3
# Apple has one boolean; STARTTLS as true is what Apple Configurator writes for port 587 [U].
_APPLE_SSL = {Security.NONE: False, Security.STARTTLS: True, Security.TLS: True}
_APPLE_TYPE = {IncomingProtocol.IMAP: "EmailTypeIMAP", IncomingProtocol.POP3: "EmailTypePOP"}
_UUID_NAMESPACE = uuid.UUID("4f0c2b52-7f55-4c1e-9d61-1f1d5f5e6a10")


def thunderbird_autoconfig(req: ExportRequest) -> str:
    inc = req.incoming
    domain = xml_text(req.domain, "email")
    outgoing_user = (
        f"      <username>{xml_text(req.username, 'username')}</username>\n" if req.username else ""
    )
    outgoing_auth = "password-cleartext" if req.auth else "none"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<!-- Made by smtpwizard. Outgoing server checked: {req.checked_text}. -->\n"
        '<clientConfig version="1.1">\n'
        f'  <emailProvider id="{domain}">\n'
        f"    <domain>{domain}</domain>\n"
        f"    <displayName>{domain}</displayName>\n"
        f"    <displayShortName>{domain}</displayShortName>\n"
        f'    <incomingServer type="{inc.protocol.value}">\n'
        f"      <hostname>{xml_text(inc.host, 'incoming_host')}</hostname>\n"
        f"      <port>{inc.port}</port>\n"
        f"      <socketType>{_TB_SOCKET[inc.security]}</socketType>\n"
        "      <authentication>password-cleartext</authentication>\n"
        f"      <username>{xml_text(req.incoming_username, 'incoming_username')}</username>\n"
        "    </incomingServer>\n"
        '    <outgoingServer type="smtp">\n'
        f"      <hostname>{xml_text(req.host, 'host')}</hostname>\n"
        f"      <port>{req.port}</port>\n"
        f"      <socketType>{_TB_SOCKET[req.security]}</socketType>\n"
        f"      <authentication>{outgoing_auth}</authentication>\n"
        f"{outgoing_user}"
        "    </outgoingServer>\n"
        "  </emailProvider>\n"
        "</clientConfig>\n"
    )


def thunderbird_user_js(req: ExportRequest) -> str:
    prefix = "mail.smtpserver.smtpwizard."
    description = f"{req.display_name} <{req.email}>" if req.display_name else req.email
    prefs: list[tuple[str, str | int]] = [
        ("mail.smtpservers", "smtpwizard"),
        ("mail.smtp.defaultserver", "smtpwizard"),
        (prefix + "hostname", req.host),
        (prefix + "port", req.port),
        (prefix + "try_ssl", _TB_TRY_SSL[req.security]),
        (prefix + "authMethod", _TB_AUTH_CLEARTEXT if req.auth else _TB_AUTH_NONE),
    ]
    if req.username:
        prefs.append((prefix + "username", req.username))
    prefs.append((prefix + "description", description))
    lines = [
        f"// Thunderbird outgoing (SMTP) server, made by smtpwizard; checked: {req.checked_text}.",
        "// For administrators: user.js is applied at every start of Thunderbird.",
        "// mail.smtpservers below REPLACES the list of outgoing servers; if this profile has",
        "// others, add ',smtpwizard' to the existing list instead of using that line.",
        "// Thunderbird asks for the password at the first send and keeps it in its own",
        "// password manager.",
    ]
    for name, value in prefs:
        literal = str(value) if isinstance(value, int) else js_string(value)
        lines.append(f"user_pref({js_string(name)}, {literal});")
    return "\n".join(lines) + "\n"


def _apple_uuid(req: ExportRequest, part: str) -> str:
    # Stable per account: installing an updated profile replaces the old one instead of
    # adding a second account.
    return str(uuid.uuid5(_UUID_NAMESPACE, f"{part}|{req.email}|{req.host}")).upper()


def apple_mobileconfig(req: ExportRequest) -> bytes:
    inc = req.incoming
    mail_uuid = _apple_uuid(req, "mail")
    top_uuid = _apple_uuid(req, "profile")
    mail: dict[str, object] = {
        "PayloadType": "com.apple.mail.managed",
        "PayloadVersion": 1,
        "PayloadIdentifier": f"local.smtpwizard.mail.{mail_uuid}",
        "PayloadUUID": mail_uuid,
        "PayloadDisplayName": f"Email: {req.email}",
        "EmailAccountDescription": req.email,
        "EmailAccountName": req.display_name or req.email,
        "EmailAccountType": _APPLE_TYPE[inc.protocol],
        "EmailAddress": req.email,
        "IncomingMailServerAuthentication": "EmailAuthPassword",
        "IncomingMailServerHostName": inc.host,
        "IncomingMailServerPortNumber": inc.port,
        "IncomingMailServerUseSSL": _APPLE_SSL[inc.security],
        "IncomingMailServerUsername": req.incoming_username,
        "OutgoingMailServerAuthentication": "EmailAuthPassword" if req.auth else "EmailAuthNone",
        "OutgoingMailServerHostName": req.host,
        "OutgoingMailServerPortNumber": req.port,
        "OutgoingMailServerUseSSL": _APPLE_SSL[req.security],
    }
    if req.username:
        mail["OutgoingMailServerUsername"] = req.username
        mail["OutgoingPasswordSameAsIncomingPassword"] = req.username == req.incoming_username
    profile = {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": f"local.smtpwizard.profile.{top_uuid}",
        "PayloadUUID": top_uuid,
        "PayloadDisplayName": f"Email settings for {req.email}",
        "PayloadDescription": (
            "Sets up this email account. Mail asks for the password; it is not in this profile. "
            f"Outgoing server checked by smtpwizard: {req.checked_text}."
        ),
        "PayloadOrganization": "smtpwizard",
        "PayloadRemovalDisallowed": False,
        "PayloadContent": [mail],
    }
    return plistlib.dumps(profile, fmt=plistlib.FMT_XML, sort_keys=True)


FORMATS = (
    ExportFormat(
        id="thunderbird-autoconfig",
        title="Thunderbird autoconfig (config-v1.1.xml)",
        audience=Audience.MAIL_PROGRAM,
        file_name="config-v1.1.xml",
        how_to_use=(
            "For the person who runs the domain: publish this file at "
            "https://autoconfig.YOUR-DOMAIN/mail/config-v1.1.xml (or "
            "https://YOUR-DOMAIN/.well-known/autoconfig/mail/config-v1.1.xml). Thunderbird then "
            "fills in every server setting by itself when someone adds this address. On one "
            "computer you can instead copy it to the 'isp' folder inside Thunderbird's program "
            "folder, named YOUR-DOMAIN.xml. Thunderbird asks for the password."
        ),
        can_carry_password=False,
        render=thunderbird_autoconfig,
        needs_incoming=True,
        sign_in_note="Thunderbird asks for the password and keeps it in its password manager.",
    ),
    ExportFormat(
        id="thunderbird-userjs",
        title="Thunderbird user.js (outgoing server, for administrators)",
        audience=Audience.MAIL_PROGRAM,
        file_name="user.js",
        how_to_use=(
            "Close Thunderbird. Open your profile folder (Help > Troubleshooting Information > "
            "Profile Folder), add these lines to user.js (create it if missing), start "
            "Thunderbird. The lines are applied at every start; remove them afterwards if you "
            "want to change the server in Thunderbird's settings again."
        ),
        can_carry_password=False,
        render=thunderbird_user_js,
        sign_in_note="Thunderbird asks for the password at the first send.",
    ),
    ExportFormat(
        id="apple-mobileconfig",
        title="Apple Mail profile (.mobileconfig, macOS and iOS)",
        audience=Audience.MAIL_PROGRAM,
        file_name="email.mobileconfig",
        how_to_use=(
            "Mac: double-click the file, then open System Settings > Privacy & Security > "
            "Profiles (or General > Device Management) and install it. iPhone/iPad: AirDrop or "
            "mail it to yourself, open it, then Settings > Profile Downloaded > Install. The "
            "profile is unsigned, so it shows as 'Unverified'. Mail asks for the password."
        ),
        can_carry_password=False,
        render=apple_mobileconfig,
        needs_incoming=True,
        sign_in_note="Mail asks for the password when the profile is installed.",
    ),
)
