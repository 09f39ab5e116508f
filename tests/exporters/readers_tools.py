"""Readers for the tool and support-desk files: msmtp, Postfix, git, the card, JSON."""

from __future__ import annotations

import html.parser
import json
import os
import re
from email.header import decode_header, make_header
from pathlib import Path

from smtpwizard.core.exporters import ExportResult

from .readers_base import (
    run,
    save,
    settle,
)


def read_msmtp(result: ExportResult, tmp: Path, env: dict[str, str]):
    path = save(result, tmp)
    # --pretend runs passwordeval: a stand-in secret-tool answers here; the real keychain is
    # exercised by the consumer test.
    shim = tmp / "bin"
    shim.mkdir(exist_ok=True)
    (shim / "secret-tool").write_text("#!/bin/sh\necho stand-in\n")
    (shim / "secret-tool").chmod(0o755)
    env = dict(env, PATH=f"{shim}:{os.environ['PATH']}")
    out = run(["msmtp", "-C", str(path), "--pretend", "somebody@example.org"], env=env)
    conf = dict(line.split(" = ", 1) for line in out.splitlines() if " = " in line)
    values = {
        "host": conf["host"],
        "port": int(conf["port"]),
        "username": None if conf["user"] == "(not set)" else conf["user"],
        "email": conf["from"],
        "passwordeval": conf["passwordeval"],
    }
    return values, {"tls": conf["tls"], "tls_starttls": conf["tls_starttls"]}


def _postfix_dir(tmp: Path) -> Path:
    folder = tmp / "postfix"
    folder.mkdir(exist_ok=True)
    (folder / "main.cf").touch()
    settle(folder / "main.cf")
    if Path("/etc/postfix/master.cf").is_file():
        (folder / "master.cf").write_bytes(Path("/etc/postfix/master.cf").read_bytes())
    return folder


def read_postfix_main(result: ExportResult, tmp: Path, env: dict[str, str]):
    folder = _postfix_dir(tmp)
    (folder / "main.cf").write_bytes(result.data)
    settle(folder / "main.cf")
    out = run(["postconf", "-c", str(folder), "-n"])
    conf = dict(line.split(" = ", 1) for line in out.splitlines())
    host, port = re.fullmatch(r"\[(.+)\]:(\d+)", conf["relayhost"]).groups()
    values = {"host": host, "port": int(port), "sasl": conf.get("smtp_sasl_auth_enable")}
    enc = {k: conf.get(k) for k in ("smtp_tls_security_level", "smtp_tls_wrappermode")}
    return values, enc


def read_postfix_sasl(result: ExportResult, tmp: Path, env: dict[str, str]):
    folder = _postfix_dir(tmp)
    table = save(result, folder)
    run(["postmap", "-c", str(folder), f"hash:{table}"])
    key = result.data.decode().splitlines()[-1].split(" ", 1)[0]
    found = run(["postmap", "-c", str(folder), "-q", key, f"hash:{table}"]).rstrip("\n")
    host, port = re.fullmatch(r"\[(.+)\]:(\d+)", key).groups()
    username, password = found.split(":", 1)
    values = {"host": host, "port": int(port), "username": username}
    if password:
        values["password"] = password
    return values, {}


def read_git(result: ExportResult, tmp: Path, env: dict[str, str]):
    out = run(["git", "config", "-f", str(save(result, tmp)), "--list", "-z"])
    conf = dict(item.split("\n", 1) for item in out.split("\0") if item)

    # As git send-email's sanitize_address splits it: the name is all before the first '<'.
    name, address = re.fullmatch(r"(.*?)\s*<(.*)>", conf["sendemail.from"]).groups()
    name = str(make_header(decode_header(name)))  # a name git would mangle is RFC 2047-encoded
    values = {
        "host": conf["sendemail.smtpserver"],
        "port": int(conf["sendemail.smtpserverport"]),
        "username": conf.get("sendemail.smtpuser"),
        "email": address,
        "display_name": name,
    }
    if "sendemail.smtppass" in conf:
        values["password"] = conf["sendemail.smtppass"]
    return values, {"smtpEncryption": conf.get("sendemail.smtpencryption")}


class _CardParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, str] = {}
        self._field: str | None = None
        self._in_value = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "td" and attributes.get("data-field"):
            self._field = attributes["data-field"]
            self.fields[self._field] = ""
        elif tag == "span" and self._field and "value" in (attributes.get("class") or ""):
            self._in_value = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            self._in_value = False
        elif tag == "td":
            self._field = None

    def handle_data(self, data: str) -> None:
        if self._field and self._in_value:
            self.fields[self._field] += data


def card_fields(data: bytes) -> dict[str, str]:
    parser = _CardParser()
    parser.feed(data.decode("utf-8"))
    parser.close()
    return parser.fields


def read_card_html(result: ExportResult, tmp: Path, env: dict[str, str]):
    f = card_fields(result.data)
    values = {
        "host": f["outgoing.host"],
        "port": int(f["outgoing.port"]),
        "username": f.get("outgoing.username"),
        "email": f["account.email"],
        "display_name": f.get("account.name", ""),
    }
    if result.contains_password:
        values["password"] = f["outgoing.password"]
    return values, {"encryption": f["outgoing.security"]}


def read_card_pdf(result: ExportResult, tmp: Path, env: dict[str, str]):
    text = run(["pdftotext", "-enc", "UTF-8", str(save(result, tmp)), "-"])
    info = run(["pdfinfo", str(tmp / result.file_name)])
    assert re.search(r"Pages:\s+1\b", info), info
    return {"text": text}, {}


def read_settings_json(result: ExportResult, tmp: Path, env: dict[str, str]):
    d = json.loads(result.data)
    out = d["outgoing"]
    values = {
        "host": out["host"],
        "port": out["port"],
        "username": out["username"],
        "email": d["account"]["email"],
        "display_name": d["account"]["display_name"],
    }
    if "password" in out:
        values["password"] = out["password"]
    return values, {"security": out["security"]}
