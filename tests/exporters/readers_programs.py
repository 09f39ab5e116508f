"""Readers for the mail-program files: Thunderbird, Apple, Outlook."""

from __future__ import annotations

import configparser
import json
import plistlib
from pathlib import Path
from typing import Any

from defusedxml import ElementTree

from smtpwizard.core.exporters import ExportResult

from .readers_base import (
    run,
    save,
)


def _xml(result: ExportResult) -> Any:
    return ElementTree.fromstring(result.data)


def read_thunderbird_autoconfig(result: ExportResult, tmp: Path, env: dict[str, str]):
    root = _xml(result)
    assert root.tag == "clientConfig"
    out = root.find("emailProvider/outgoingServer")
    values = {
        "host": out.findtext("hostname"),
        "port": int(out.findtext("port")),
        "username": out.findtext("username"),
        "domain": root.find("emailProvider").get("id"),
    }
    return values, {"socketType": out.findtext("socketType")}


def read_thunderbird_userjs(result: ExportResult, tmp: Path, env: dict[str, str]):
    script = (
        "const prefs = {}; const user_pref = (k, v) => { prefs[k] = v; };"
        "eval(require('fs').readFileSync(process.argv[1], 'utf8'));"
        "console.log(JSON.stringify(prefs));"
    )
    prefs = json.loads(run(["node", "-e", script, str(save(result, tmp))]))
    p = "mail.smtpserver.smtpwizard."
    values = {
        "host": prefs[p + "hostname"],
        "port": prefs[p + "port"],
        "username": prefs.get(p + "username"),
        "description": prefs[p + "description"],
    }
    return values, {"try_ssl": prefs[p + "try_ssl"]}


def read_apple(result: ExportResult, tmp: Path, env: dict[str, str]):
    profile = plistlib.loads(result.data)
    mail = profile["PayloadContent"][0]
    values = {
        "host": mail["OutgoingMailServerHostName"],
        "port": mail["OutgoingMailServerPortNumber"],
        "username": mail.get("OutgoingMailServerUsername"),
        "email": mail["EmailAddress"],
        "display_name": mail["EmailAccountName"],
    }
    return values, {"OutgoingMailServerUseSSL": mail["OutgoingMailServerUseSSL"]}


_NS = "{http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a}"


def read_autodiscover(result: ExportResult, tmp: Path, env: dict[str, str]):
    response = _xml(result).find(_NS + "Response")
    smtp = next(p for p in response.iter(_NS + "Protocol") if p.findtext(_NS + "Type") == "SMTP")
    values = {
        "host": smtp.findtext(_NS + "Server"),
        "port": int(smtp.findtext(_NS + "Port")),
        "username": smtp.findtext(_NS + "LoginName"),
        "display_name": response.findtext(f"{_NS}User/{_NS}DisplayName"),
        "email": response.findtext(f"{_NS}User/{_NS}AutoDiscoverSMTPAddress"),
    }
    return values, {k: smtp.findtext(_NS + k) for k in ("SSL", "Encryption")}


def _windows_ini_value(value: str) -> str:
    # GetPrivateProfileString drops one pair of matching outer quotes.
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def read_prf(result: ExportResult, tmp: Path, env: dict[str, str]):
    data = result.data
    text = data[2:].decode("utf-16-le") if data.startswith(b"\xff\xfe") else data.decode("ascii")
    parser = configparser.RawConfigParser(strict=True, comment_prefixes=(";",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    acc = {k: _windows_ini_value(v) for k, v in parser["Account1"].items()}
    username = acc.get("SMTPUserName")
    if username is None and acc["SMTPUseAuth"] == "1":  # "same as incoming"
        username = acc.get("IMAPUserName", acc.get("POP3UserName"))
    values = {
        "host": acc["SMTPServer"],
        "port": int(acc["SMTPPort"]),
        "username": username,
        "email": acc["EmailAddress"],
        "display_name": acc["DisplayName"],
    }
    return values, {"SMTPSecureConnection": acc["SMTPSecureConnection"]}
