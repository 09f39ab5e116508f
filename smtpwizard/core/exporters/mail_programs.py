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
# nsMsgAuthMethod values of comm-central mailnews/base/public/MailNewsTypes2.idl.
_TB_AUTH_NONE, _TB_AUTH_CLEARTEXT, _TB_AUTH_OAUTH2 = 1, 3, 10
# Apple has one boolean; STARTTLS as true is what Apple Configurator writes for port 587 [U].
_APPLE_SSL = {Security.NONE: False, Security.STARTTLS: True, Security.TLS: True}
_APPLE_TYPE = {IncomingProtocol.IMAP: "EmailTypeIMAP", IncomingProtocol.POP3: "EmailTypePOP"}
_UUID_NAMESPACE = uuid.UUID("4f0c2b52-7f55-4c1e-9d61-1f1d5f5e6a10")


# The ISPDB's placeholders: Thunderbird replaces them with what each person typed, so one file
# published for the domain serves every address in it (readFromXML.sys.mjs, replaceVariables).
_EMAIL_PLACEHOLDER = "%EMAILADDRESS%"
_LOCAL_PLACEHOLDER = "%EMAILLOCALPART%"


def domain_login(login: str | None, email: str) -> str:
    """The username for a file published for a whole domain: a placeholder, never one person's
    login. A login that is neither the address nor its local part falls back to the address
    (what most providers use); the how-to says each person can correct it."""
    local = email.rsplit("@", 1)[0]
    if login and login.lower() == local.lower():
        return _LOCAL_PLACEHOLDER
    return _EMAIL_PLACEHOLDER


def thunderbird_autoconfig(req: ExportRequest) -> str:
    inc = req.incoming
    domain = xml_text(req.domain, "email")
    outgoing_user = (
        f"      <username>{domain_login(req.username, req.email)}</username>\n"
        if req.username
        else ""
    )
    outgoing_auth = "password-cleartext" if req.auth else "none"
    incoming_auth = "password-cleartext"
    if req.oauth2:  # Thunderbird then signs in with the provider it knows, both ways
        outgoing_auth = incoming_auth = "OAuth2"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<!-- Made by smtpwizard for every address at this domain (also read by Thunderbird\n"
        "     for Android and K-9 Mail). Outgoing server checked: "
        f"{req.checked_text}. -->\n"
        '<clientConfig version="1.1">\n'
        f'  <emailProvider id="{domain}">\n'
        f"    <domain>{domain}</domain>\n"
        f"    <displayName>{domain}</displayName>\n"
        f"    <displayShortName>{domain}</displayShortName>\n"
        f'    <incomingServer type="{inc.protocol.value}">\n'
        f"      <hostname>{xml_text(inc.host, 'incoming_host')}</hostname>\n"
        f"      <port>{inc.port}</port>\n"
        f"      <socketType>{_TB_SOCKET[inc.security]}</socketType>\n"
        f"      <authentication>{incoming_auth}</authentication>\n"
        f"      <username>{domain_login(req.incoming_username, req.email)}</username>\n"
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


TB_SERVER_KEY = "smtpwizard"


def _tb_auth_method(req: ExportRequest) -> int:
    if req.oauth2:
        return _TB_AUTH_OAUTH2
    return _TB_AUTH_CLEARTEXT if req.auth else _TB_AUTH_NONE


def thunderbird_user_js(req: ExportRequest) -> str:
    prefix = f"mail.smtpserver.{TB_SERVER_KEY}."
    description = f"{req.display_name} <{req.email}>" if req.display_name else req.email
    prefs: list[tuple[str, str | int]] = [
        (prefix + "hostname", req.host),
        (prefix + "port", req.port),
        (prefix + "try_ssl", _TB_TRY_SSL[req.security]),
        (prefix + "authMethod", _tb_auth_method(req)),
    ]
    if req.username:
        prefs.append((prefix + "username", req.username))
    prefs.append((prefix + "description", description))
    switched = (
        "one identity, as asked, is switched to it (the last line)"
        if req.thunderbird_identity
        else "no account is switched to it"
    )
    lines = [
        f"// Thunderbird outgoing (SMTP) server, made by smtpwizard; checked: {req.checked_text}.",
        "// It ADDS a server: the servers already there and the accounts using them stay as",
        f"// they are; {switched}.",
        "// Thunderbird asks for the password at the first send and keeps it in its own",
        "// password manager.",
    ]
    existing = req.thunderbird_servers
    if existing is not None:
        keys = [*existing, *([] if TB_SERVER_KEY in existing else [TB_SERVER_KEY])]
        prefs.insert(0, ("mail.smtpservers", ",".join(keys)))
        lines += [
            "// The list below keeps the servers this profile already has and adds this one.",
            "// Thunderbird re-applies user.js at every start: after the first start, delete",
            "// these lines so servers you add later in Thunderbird are not dropped again.",
        ]
    else:
        lines += [
            "// This profile's list of servers was not known, so these lines do not touch it:",
            "// open Settings > General > Config Editor, search mail.smtpservers and add",
            f"// ,{TB_SERVER_KEY} at the end of its value (keep what is there).",
        ]
    if req.thunderbird_identity:
        prefs.append((f"mail.identity.{req.thunderbird_identity}.smtpServer", TB_SERVER_KEY))
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
            "https://YOUR-DOMAIN/.well-known/autoconfig/mail/config-v1.1.xml). Thunderbird "
            "(desktop and Android) and K-9 Mail then fill in every server setting by themselves "
            "when someone adds an address at the domain. The file holds nobody's login: "
            "%EMAILADDRESS% stands for the address each person types (a different login can be "
            "corrected in the program). On one computer you can instead copy it to the 'isp' "
            "folder inside Thunderbird's program folder, named YOUR-DOMAIN.xml. The program "
            "asks for the password."
        ),
        for_version="Thunderbird 78 and later, Thunderbird for Android, K-9 Mail 6.7+",
        can_carry_password=False,
        handles_oauth2=True,
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
            "Thunderbird, then delete the lines again (Thunderbird has kept the server). The "
            "server is added next to the ones you have; to send with it, open Account "
            "Settings, pick the account, and choose it under Outgoing Server (SMTP)."
        ),
        for_version="Thunderbird 115, 128 and later (desktop)",
        can_carry_password=False,
        handles_oauth2=True,
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
        for_version="macOS 10.15 and later, iOS and iPadOS 13 and later",
        needs_incoming=True,
        sign_in_note="Mail asks for the password when the profile is installed.",
    ),
)
