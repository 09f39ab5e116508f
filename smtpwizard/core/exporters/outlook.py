"""Microsoft Outlook: the Autodiscover XML (for whoever hosts the domain) and a PRF profile
file (classic Outlook for Windows only). Neither carries a password: Outlook asks for it."""

from __future__ import annotations

from ..settings import IncomingProtocol, Security
from .base import Audience, ExportFormat, ExportRequest
from .escaping import ini_value, xml_text

__all__ = ["FORMATS"]

# Outlook's SSL defaults to "on", and Encryption (when honoured) overrides it: write both.
_AUTODISCOVER = {
    Security.NONE: ("off", "None"),
    Security.STARTTLS: ("on", "TLS"),
    Security.TLS: ("on", "SSL"),
}
_PRF_SMTP_SECURE = {Security.NONE: 0, Security.STARTTLS: 2, Security.TLS: 1}
_PRF_SECTION = {IncomingProtocol.IMAP: "IMAP_I_Mail", IncomingProtocol.POP3: "I_Mail"}
_PRF_PREFIX = {IncomingProtocol.IMAP: "IMAP", IncomingProtocol.POP3: "POP3"}
_OFF_ON = ("off", "on")


def _protocol(kind: str, host: str, port: int, security: Security, auth: bool) -> list[str]:
    ssl, encryption = _AUTODISCOVER[security]
    lines = [
        "      <Protocol>",
        f"        <Type>{kind}</Type>",
        f"        <Server>{xml_text(host, 'host')}</Server>",
        f"        <Port>{port}</Port>",
    ]
    lines += [
        "        <DomainRequired>off</DomainRequired>",
        "        <SPA>off</SPA>",
        f"        <SSL>{ssl}</SSL>",
        f"        <Encryption>{encryption}</Encryption>",
        f"        <AuthRequired>{_OFF_ON[auth]}</AuthRequired>",
        "      </Protocol>",
    ]
    return lines


def outlook_autodiscover(req: ExportRequest) -> str:
    """Published for the whole domain, so it names nobody: no User element, no LoginName.
    Outlook then signs in with the address the person typed (its default without LoginName)."""
    inc = req.incoming
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<!-- Made by smtpwizard for every address at this domain. Outgoing server checked: "
        f"{req.checked_text}. -->",
        '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">',
        '  <Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a">',
        "    <Account>",
        "      <AccountType>email</AccountType>",
        "      <Action>settings</Action>",
    ]
    lines += _protocol(inc.protocol.name, inc.host, inc.port, inc.security, True)
    lines += _protocol("SMTP", req.host, req.port, req.security, req.auth)
    lines += ["    </Account>", "  </Response>", "</Autodiscover>"]
    return "\n".join(lines) + "\n"


def outlook_prf(req: ExportRequest) -> bytes:
    inc = req.incoming
    kind = _PRF_PREFIX[inc.protocol]
    same_login = req.username == req.incoming_username
    account = [
        ("UniqueService", "No"),
        ("AccountName", ini_value(req.email, "email")),
        ("DisplayName", ini_value(req.display_name or req.email, "display_name")),
        ("EmailAddress", ini_value(req.email, "email")),
        (f"{kind}Server", inc.host),
        (f"{kind}UserName", ini_value(req.incoming_username, "incoming_username")),
        (f"{kind}UseSPA", "0"),
        (f"{kind}Port", str(inc.port)),
        # Only implicit TLS has a PRF key for incoming mail; STARTTLS must be set in Outlook.
        (f"{kind}UseSSL", "1" if inc.security is Security.TLS else "0"),
        ("SMTPServer", req.host),
        ("SMTPPort", str(req.port)),
        ("SMTPSecureConnection", str(_PRF_SMTP_SECURE[req.security])),
        ("SMTPUseAuth", "1" if req.auth else "0"),
        ("SMTPUseSPA", "0"),
    ]
    if req.auth:
        account.append(("SMTPAuthMethod", "0" if same_login else "1"))
        if not same_login and req.username:
            account.append(("SMTPUserName", ini_value(req.username, "username")))
    section = _PRF_SECTION[inc.protocol]
    lines = [
        "; Outlook profile (classic Outlook for Windows), made by smtpwizard;"
        f" checked: {req.checked_text}.",
        "; Import: outlook.exe /importprf <this file>. Outlook asks for the password.",
        "[General]",
        "Custom=1",
        "ProfileName=smtpwizard",
        "DefaultProfile=Yes",
        "OverwriteProfile=Append",
        "ModifyDefaultProfileIfPresent=TRUE",
        "BackupProfile=No",
        "",
        "[Service List]",
        "",
        "[Internet Account List]",
        f"Account1={section}",
        "",
        "[Account1]",
        *(f"{key}={value}" for key, value in account),
        "",
        "; Mapping for internet account properties (Office's own table). DO NOT MODIFY.",
        f"[{section}]",
        f"AccountType={kind}",
        "AccountName=PT_UNICODE,0x0002",
        "DisplayName=PT_UNICODE,0x000B",
        "EmailAddress=PT_UNICODE,0x000C",
        f"{kind}Server=PT_UNICODE,0x0100",
        f"{kind}UserName=PT_UNICODE,0x0101",
        f"{kind}UseSPA=PT_LONG,0x0108",
        f"{kind}Port=PT_LONG,0x0104",
        f"{kind}UseSSL=PT_LONG,0x0105",
        "SMTPServer=PT_UNICODE,0x0200",
        "SMTPUseAuth=PT_LONG,0x0203",
        "SMTPAuthMethod=PT_LONG,0x0208",
        "SMTPUserName=PT_UNICODE,0x0204",
        "SMTPUseSPA=PT_LONG,0x0207",
        "SMTPPort=PT_LONG,0x0201",
        "SMTPSecureConnection=PT_LONG,0x020A",
        "",
    ]
    text = "\r\n".join(lines)
    if text.isascii():
        return text.encode("ascii")
    # Windows reads INI files in the ANSI code page unless they start with a UTF-16 BOM.
    return "\ufeff".encode("utf-16-le") + text.encode("utf-16-le")


FORMATS = (
    ExportFormat(
        id="outlook-autodiscover",
        title="Outlook Autodiscover (autodiscover.xml)",
        audience=Audience.MAIL_PROGRAM,
        file_name="autodiscover.xml",
        how_to_use=(
            "For the person who runs the domain: serve this file at "
            "https://autodiscover.YOUR-DOMAIN/autodiscover/autodiscover.xml so Outlook sets the "
            "account up by itself. Outlook asks for it with a POST request, which many static "
            "web servers refuse (405): have the server answer POST with this file. It holds "
            "nobody's login: Outlook signs in with the address each person types. Classic "
            "Outlook for Windows can also read it from a local file through the PreferLocalXml "
            "registry switch (Microsoft KB 3211279). Outlook asks for the password."
        ),
        for_version="Outlook 2016, 2019, 2021 and Microsoft 365 (classic, Windows)",
        can_carry_password=False,
        render=outlook_autodiscover,
        needs_incoming=True,
        sign_in_note="Outlook asks for the password when the account is added.",
    ),
    ExportFormat(
        id="outlook-prf",
        title="Outlook profile file (.prf, classic Outlook for Windows only)",
        audience=Audience.MAIL_PROGRAM,
        file_name="smtpwizard.prf",
        how_to_use=(
            "Classic Outlook for Windows only (not the new Outlook, not Outlook for Mac): close "
            "Outlook, then run: outlook.exe /importprf C:\\path\\to\\smtpwizard.prf. Outlook "
            "adds the account to the profile 'smtpwizard' and asks for the password. For the "
            "new Outlook or a Mac, use the settings card instead."
        ),
        can_carry_password=False,
        render=outlook_prf,
        for_version="Classic Outlook 2013 to 2021 and Microsoft 365 for Windows",
        needs_incoming=True,
        sign_in_note="Outlook asks for the password when it first connects.",
    ),
)
