"""Readers for the terminal mail programs (NeoMutt, Mutt, s-nail: the programs themselves) and
the relays (OpenSMTPD's own smtpd -n; dma's parser rules, conf.c of dma 0.13)."""

from __future__ import annotations

import re
import shlex
from email.header import decode_header, make_header
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

from smtpwizard.core.exporters import ExportResult

from .readers_base import HERE, run, save

SMTPD = HERE / ".opensmtpd" / "usr" / "sbin" / "smtpd"


def _url_values(url: str) -> dict[str, object]:
    parts = urlsplit(url)
    return {
        "host": parts.hostname,
        "port": parts.port,
        "username": unquote(parts.username) if parts.username else None,
        "scheme": parts.scheme,
    }


def _mutt_unquote(value: str) -> str:
    assert value.startswith('"') and value.endswith('"'), value
    return re.sub(r"\\(.)", r"\1", value[1:-1])


def _mutt_reader(program: str):
    def read(result: ExportResult, tmp: Path, env: dict[str, str]):
        path = save(result, tmp)
        names = ["smtp_url", "from", "smtp_pass", "ssl_force_tls", "ssl_starttls", "use_from"]
        cmd = [program, "-n", "-F", str(path)]
        for name in names:
            cmd += ["-Q", name]
        out = run(cmd, env={"HOME": str(tmp), "TERM": "dumb"})
        conf: dict[str, str] = {}
        for line in out.splitlines():
            line = line.removeprefix("set ")
            if " is set" in line or " is unset" in line:  # mutt's way for booleans
                name, state = line.split(" is ", 1)
                conf[name] = "yes" if state == "set" else "no"
                continue
            name, value = re.split(r"\s*=\s*", line, maxsplit=1)
            conf[name] = _mutt_unquote(value) if value.startswith('"') else value
        values = _url_values(conf["smtp_url"])
        name, address = parseaddr(conf["from"])
        values |= {"email": address, "display_name": name}
        if conf.get("smtp_pass"):
            values["password"] = conf["smtp_pass"]
        enc = {"scheme": values.pop("scheme")}
        enc |= {k: conf[k] for k in ("ssl_force_tls", "ssl_starttls")}
        return values, enc

    return read


def _snail_value(raw: str) -> str:
    """s-nail's varshow output: plain, '...' or $'...' (with \\' \\\\ \\n \\uXXXX escapes)."""
    if raw.startswith("$'"):
        body = raw[2:-1]
        escapes = {"'": "'", "\\": "\\", "n": "\n", "t": "\t", '"': '"', "$": "$"}

        def one(match: re.Match[str]) -> str:
            text = match.group(0)
            if text[1] in "uU":
                return chr(int(text[2:], 16))
            return escapes[text[1]]

        return re.sub(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", one, body)
    return shlex.split(raw)[0] if raw.startswith("'") else raw


def read_s_nail(result: ExportResult, tmp: Path, env: dict[str, str]):
    path = save(result, tmp)
    names = ["mta", "from", "smtp-use-starttls", "tls-verify", "smtp-auth"]
    passwords = [
        shlex.split(line)[1].split("=", 1)[0]
        for line in result.text.splitlines()
        if line.startswith("set ") and "password-" in line
    ]
    cmd = ["s-nail", "-:u", "-#"]
    for name in [*names, *passwords]:
        cmd += ["-X", f"varshow {shlex.quote(name)}"]
    out = run([*cmd, "-X", "xit"], env={"HOME": str(tmp), "MAILRC": str(path)})
    conf: dict[str, str] = {}
    for line in out.splitlines():
        line = line.removeprefix("wysh ").removeprefix("set ")
        if line.startswith("unset "):
            continue
        match = re.match(r"(.*?)(=(\$?'.*'|.*))?$", line)
        assert match
        conf[match.group(1)] = _snail_value(match.group(3)) if match.group(2) else "yes"
    values = _url_values(conf["mta"])
    name, address = parseaddr(conf["from"])
    values |= {"email": address, "display_name": str(make_header(decode_header(name)))}
    for key, value in conf.items():
        if key.startswith("password-"):
            values["password"] = value
            values["password_key"] = key
    assert conf["tls-verify"] == "strict"
    enc = {"scheme": values.pop("scheme"), "smtp-use-starttls": conf.get("smtp-use-starttls")}
    return values, enc


def read_dma_conf(result: ExportResult, tmp: Path, env: dict[str, str]):
    """dma 0.13 conf.c parse_conf: cut at '#', split at the first blank."""
    conf: dict[str, str | None] = {}
    for line in result.text.splitlines():
        parts = re.split(r"[ \t]", line.split("#", 1)[0], maxsplit=1)
        if parts[0]:
            conf[parts[0]] = parts[1] if len(parts) > 1 and parts[1] else None
    values = {
        "host": conf["SMARTHOST"],
        "port": int(conf["PORT"] or 0),
        "email": conf["MASQUERADE"],
    }
    enc = {k: (k in conf) for k in ("SECURETRANSFER", "STARTTLS", "INSECURE")}
    return values, enc


def read_dma_auth(result: ExportResult, tmp: Path, env: dict[str, str]):
    """conf.c parse_authfile: `login|host:password`, strsep at '|' then at ':'."""
    [line] = [line for line in result.text.splitlines() if line and not line.startswith("#")]
    login, rest = line.split("|", 1)
    host, password = rest.split(":", 1)
    values = {"host": host, "username": login}
    if password:
        values["password"] = password
    return values, {}


def _smtpd_check(conf: Path) -> None:
    if not SMTPD.is_file():
        raise AssertionError("OpenSMTPD's smtpd is missing: run scripts/setup.sh test")
    run([str(SMTPD), "-n", "-f", str(conf)])  # fails (non-zero) on any syntax error


def read_opensmtpd(result: ExportResult, tmp: Path, env: dict[str, str]):
    folder = tmp / "opensmtpd"
    folder.mkdir(exist_ok=True)
    secrets = folder / "secrets"
    secrets.write_text("smtpwizard user:password\n")
    secrets.chmod(0o600)
    text = result.text.replace("file:/etc/mail/secrets", f"file:{secrets}")
    (folder / "smtpd.conf").write_text(text, encoding="utf-8")
    _smtpd_check(folder / "smtpd.conf")
    relay = re.search(r'relay host "([^"]+)"', result.text)
    sender = re.search(r'mail-from "([^"]+)"', result.text)
    assert relay and sender
    values = _url_values(relay.group(1))
    values["email"] = sender.group(1)
    values.pop("username")  # the label, not the login
    return values, {"scheme": values.pop("scheme")}


def read_opensmtpd_secrets(result: ExportResult, tmp: Path, env: dict[str, str]):
    """table(5) file tables: key, blanks, value; a relay credential value is user:password.
    smtpd -n loads the table, so a malformed line fails there."""
    folder = tmp / "opensmtpd"
    folder.mkdir(exist_ok=True)
    secrets = save(result, folder)
    conf = folder / "smtpd.conf"
    conf.write_text(
        f"table secrets file:{secrets}\n"
        'action "relay" relay host "smtp+tls://smtpwizard@smtp.example.com:587" auth <secrets>\n'
        'match from local for any action "relay"\n'
    )
    _smtpd_check(conf)
    [line] = [line for line in result.text.splitlines() if line and not line.startswith("#")]
    label, credentials = re.split(r"[ \t]+", line, maxsplit=1)
    username, password = credentials.split(":", 1)
    values = {"username": username, "label": label}
    if password:
        values["password"] = password
    return values, {}


READERS = {
    "neomutt": _mutt_reader("neomutt"),
    "mutt": _mutt_reader("mutt"),
    "s-nail": read_s_nail,
    "dma": read_dma_conf,
    "dma-auth": read_dma_auth,
    "opensmtpd": read_opensmtpd,
    "opensmtpd-secrets": read_opensmtpd_secrets,
}
