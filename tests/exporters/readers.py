"""Read every export back with the target's own parser (or the closest faithful one).

Each reader returns (values, enc): `values` holds the standard fields the file carries
(host, port, username, password, email, display_name, ...), `enc` the format's own
encryption keys, compared against the reference table in test_mapping.py.
"""

from __future__ import annotations

import base64
import configparser
import html.parser
import json
import os
import plistlib
import re
import subprocess
import time
from collections.abc import Callable
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from defusedxml import ElementTree

from smtpwizard.core.exporters import ExportResult

HERE = Path(__file__).resolve().parent
PHPMAILER_AUTOLOAD = "/usr/share/php/libphp-phpmailer/autoload.php"
PHPDOTENV_AUTOLOAD = "/usr/share/php/Dotenv/autoload.php"
SYMFONY_DOTENV_AUTOLOAD = "/usr/share/php/Symfony/Component/Dotenv/autoload.php"
Values = dict[str, Any]
Reader = Callable[[ExportResult, Path, dict[str, str]], tuple[Values, Values]]


def run(cmd: list[str], *, env: dict[str, str] | None = None, timeout: float = 30) -> str:
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env=full_env, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise AssertionError(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    return proc.stdout


def save(result: ExportResult, tmp: Path) -> Path:
    path = tmp / result.file_name
    path.write_bytes(result.data)
    path.chmod(result.file_mode)
    return path


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


_PHP_CONSTANTS = (
    "include $argv[1];"
    "echo json_encode(get_defined_constants(true)['user'], JSON_UNESCAPED_UNICODE);"
)


def _wordpress(prefix: str) -> Reader:
    def read(result: ExportResult, tmp: Path, env: dict[str, str]):
        c = json.loads(run(["php", "-r", _PHP_CONSTANTS, str(save(result, tmp))], env=env))
        values = {
            "host": c[prefix + "SMTP_HOST"],
            "port": c[prefix + "SMTP_PORT"],
            "username": c.get(prefix + "SMTP_USER"),
            "email": c[prefix + "MAIL_FROM"],
            "display_name": c.get(prefix + "MAIL_FROM_NAME", ""),
        }
        if prefix + "SMTP_PASS" in c:
            values["password"] = c[prefix + "SMTP_PASS"]
        assert c[prefix + "ON"] is True and c[prefix + "MAILER"] == "smtp"
        return values, {"SSL": c[prefix + "SSL"], "SMTP_AUTOTLS": c[prefix + "SMTP_AUTOTLS"]}

    return read


def read_post_smtp(result: ExportResult, tmp: Path, env: dict[str, str]):
    # Exactly PostmanOptions::import(): base64_decode, gzuncompress, json_decode.
    code = (
        "$j = gzuncompress(base64_decode(file_get_contents($argv[1])));"
        "echo json_encode(json_decode($j, true), JSON_UNESCAPED_UNICODE);"
    )
    o = json.loads(run(["php", "-r", code, str(save(result, tmp))]))
    values = {
        "host": o["hostname"],
        "port": o["port"],
        "username": o.get("basic_auth_username"),
        "email": o["sender_email"],
        "display_name": o["sender_name"],
    }
    if "basic_auth_password" in o:  # what PostmanOptions::getPassword() returns
        values["password"] = base64.b64decode(o["basic_auth_password"]).decode()
    assert o["transport_type"] == "smtp" and o["version"]
    return values, {"enc_type": o["enc_type"]}


def read_phpmailer(result: ExportResult, tmp: Path, env: dict[str, str]):
    code = (
        f"require '{PHPMAILER_AUTOLOAD}'; include $argv[1];"
        "$m = new PHPMailer\\PHPMailer\\PHPMailer(true); smtpwizard_configure($m);"
        "echo json_encode(['host' => $m->Host, 'port' => $m->Port, 'user' => $m->Username,"
        " 'pass' => $m->Password, 'auth' => $m->SMTPAuth, 'from' => $m->From,"
        " 'name' => $m->FromName, 'secure' => $m->SMTPSecure, 'auto' => $m->SMTPAutoTLS,"
        " 'mailer' => $m->Mailer], JSON_UNESCAPED_UNICODE);"
    )
    m = json.loads(run(["php", "-r", code, str(save(result, tmp))], env=env))
    assert m["mailer"] == "smtp"
    values = {
        "host": m["host"],
        "port": m["port"],
        "username": m["user"] or None,
        "password": m["pass"],
        "email": m["from"],
        "display_name": m["name"],
    }
    return values, {"SMTPSecure": m["secure"], "SMTPAutoTLS": m["auto"]}


def read_laravel(result: ExportResult, tmp: Path, env: dict[str, str]):
    # vlucas/phpdotenv is the parser Laravel itself uses for .env.
    code = (
        f"require '{PHPDOTENV_AUTOLOAD}';"
        "echo json_encode(Dotenv\\Dotenv::parse(file_get_contents($argv[1])),"
        " JSON_UNESCAPED_UNICODE);"
    )
    e = json.loads(run(["php", "-r", code, str(save(result, tmp))]))
    values = {
        "host": e["MAIL_HOST"],
        "port": int(e["MAIL_PORT"]),
        "username": e.get("MAIL_USERNAME"),
        "email": e["MAIL_FROM_ADDRESS"],
        "display_name": e.get("MAIL_FROM_NAME", ""),
    }
    if "MAIL_PASSWORD" in e:
        values["password"] = e["MAIL_PASSWORD"]
    assert e["MAIL_MAILER"] == "smtp"
    return values, {"MAIL_SCHEME": e["MAIL_SCHEME"]}


def read_symfony(result: ExportResult, tmp: Path, env: dict[str, str]):
    # Symfony's own Dotenv, then the DSN split as Symfony's Dsn::fromString does.
    code = (
        f"require '{SYMFONY_DOTENV_AUTOLOAD}';"
        "$d = new Symfony\\Component\\Dotenv\\Dotenv();"
        "echo json_encode($d->parse(file_get_contents($argv[1])), JSON_UNESCAPED_UNICODE);"
    )
    e = json.loads(run(["php", "-r", code, str(save(result, tmp))], env=env))
    url = urlsplit(e["MAILER_DSN"])
    query = dict(part.split("=", 1) for part in url.query.split("&") if part)
    values = {
        "host": url.hostname,
        "port": url.port,
        "username": unquote(url.username) if url.username else None,
    }
    if url.password is not None:
        values["password"] = unquote(url.password)
    enc = {
        "scheme": url.scheme,
        "require_tls": query.get("require_tls"),
        "auto_tls": query.get("auto_tls"),
    }
    return values, enc


def read_django(result: ExportResult, tmp: Path, env: dict[str, str]):
    namespace: dict[str, Any] = {}
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        exec(compile(result.data, result.file_name, "exec"), namespace)  # noqa: S102
    finally:
        os.environ.clear()
        os.environ.update(saved)
    from email.utils import parseaddr

    name, address = parseaddr(namespace["DEFAULT_FROM_EMAIL"])
    values = {
        "host": namespace["EMAIL_HOST"],
        "port": namespace["EMAIL_PORT"],
        "username": namespace["EMAIL_HOST_USER"] or None,
        "password": namespace["EMAIL_HOST_PASSWORD"],
        "email": address,
        "display_name": name,
    }
    enc = {k: namespace[k] for k in ("EMAIL_USE_TLS", "EMAIL_USE_SSL")}
    return values, enc


def read_nodemailer(result: ExportResult, tmp: Path, env: dict[str, str]):
    script = "console.log(JSON.stringify(require(process.argv[1])));"
    m = json.loads(run(["node", "-e", script, str(save(result, tmp))], env=env))
    t, sender = m["transport"], m["defaults"]["from"]
    values = {
        "host": t["host"],
        "port": t["port"],
        "username": t.get("auth", {}).get("user"),
        "password": t.get("auth", {}).get("pass"),
        "email": sender["address"],
        "display_name": sender["name"],
    }
    return values, {k: t.get(k) for k in ("secure", "requireTLS", "ignoreTLS")}


def read_rails(result: ExportResult, tmp: Path, env: dict[str, str]):
    out = run(["ruby", str(HERE / "ruby" / "read_rails.rb"), str(save(result, tmp))], env=env)
    r = json.loads(out)
    from email.utils import parseaddr

    s = r["smtp"]
    name, address = parseaddr(r["from"])
    values = {
        "host": s["address"],
        "port": s["port"],
        "username": s.get("user_name"),
        "password": s.get("password"),
        "email": address,
        "display_name": name,
    }
    assert r["delivery"] == "smtp"
    return values, {k: s.get(k) for k in ("enable_starttls", "enable_starttls_auto", "tls")}


def _spring(props: dict[str, str]) -> tuple[Values, Values]:
    p = "spring.mail.properties.mail.smtp."
    values = {
        "host": props["spring.mail.host"],
        "port": int(props["spring.mail.port"]),
        "username": props.get("spring.mail.username"),
        "password": props.get("spring.mail.password"),
    }
    keys = ("starttls.enable", "starttls.required", "ssl.enable")
    return values, {k: props.get(p + k) for k in keys}


def read_spring_properties(result: ExportResult, tmp: Path, env: dict[str, str]):
    classes = Path(env["JAVA_CLASSES"])
    out = run(["java", "-cp", str(classes), "ReadProperties", str(save(result, tmp))])
    props = {}
    for line in out.splitlines():
        key, encoded = line.split("\t")
        props[key] = base64.b64decode(encoded).decode("utf-8")
    return _spring(props)


def read_spring_yaml(result: ExportResult, tmp: Path, env: dict[str, str]):
    import yaml

    mail = yaml.safe_load(result.data)["spring"]["mail"]
    props = {f"spring.mail.{k}": str(v) for k, v in mail.items() if k != "properties"}
    for key, value in mail.get("properties", {}).items():
        # Spring's binder reads "[a.b.c]" as one map key.
        name = key[1:-1] if key.startswith("[") else key
        props[f"spring.mail.properties.{name}"] = str(value).lower()
    return _spring(props)


_CS_ESCAPES = {"'": "'", '"': '"', "\\": "\\", "0": "\0", "a": "\a", "b": "\b", "f": "\f"}
_CS_ESCAPES |= {"n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_CS_STRING = r'"((?:[^"\\\n\r\u0085\u2028\u2029]|\\.)*)"'


def csharp_unescape(body: str) -> str:
    """A C# regular string literal's value, per the C# spec's escape sequences."""

    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        if token[1] in "uU":
            return chr(int(token[2:], 16))
        if token[1] == "x":
            return chr(int(token[2:], 16))
        return _CS_ESCAPES[token[1]]

    return re.sub(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{1,4}|.)", one, body)


def read_mailkit(result: ExportResult, tmp: Path, env: dict[str, str]):
    text = result.data.decode()
    name, email = re.search(rf"new MailboxAddress\({_CS_STRING}, {_CS_STRING}\)", text).groups()
    host, port, option = re.search(
        rf"ConnectAsync\({_CS_STRING}, (\d+), SecureSocketOptions\.(\w+)\)", text
    ).groups()
    values = {
        "host": csharp_unescape(host),
        "port": int(port),
        "email": csharp_unescape(email),
        "display_name": csharp_unescape(name),
        "username": None,
    }
    auth = re.search(rf"AuthenticateAsync\({_CS_STRING}, (.*)\);", text)
    if auth:
        values["username"] = csharp_unescape(auth.group(1))
        secret = re.fullmatch(_CS_STRING, auth.group(2))
        values["password"] = csharp_unescape(secret.group(1)) if secret else auth.group(2)
    return values, {"SecureSocketOptions": option}


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


def settle(path: Path) -> None:
    """Postfix re-reads (300 ms at a time) a main.cf modified less than a second ago, in case
    it is half written: date our freshly written files back a minute."""
    past = time.time() - 60
    os.utime(path, (past, past))


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


READERS: dict[str, Reader] = {
    "thunderbird-autoconfig": read_thunderbird_autoconfig,
    "thunderbird-userjs": read_thunderbird_userjs,
    "apple-mobileconfig": read_apple,
    "outlook-autodiscover": read_autodiscover,
    "outlook-prf": read_prf,
    "wp-mail-smtp": _wordpress("WPMS_"),
    "easy-wp-smtp": _wordpress("EASY_WP_SMTP_"),
    "post-smtp": read_post_smtp,
    "phpmailer": read_phpmailer,
    "laravel-env": read_laravel,
    "symfony-dsn": read_symfony,
    "django": read_django,
    "nodemailer": read_nodemailer,
    "rails": read_rails,
    "spring-properties": read_spring_properties,
    "spring-yaml": read_spring_yaml,
    "mailkit": read_mailkit,
    "msmtp": read_msmtp,
    "postfix-main-cf": read_postfix_main,
    "postfix-sasl-passwd": read_postfix_sasl,
    "git-send-email": read_git,
    "card-html": read_card_html,
    "card-pdf": read_card_pdf,
    "settings-json": read_settings_json,
}
