"""Readers for the website and framework files: PHP, .env, Python, JS, Ruby, Java, C#."""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from smtpwizard.core.exporters import ExportResult

from .readers_base import (
    HERE,
    PHPDOTENV_AUTOLOAD,
    PHPMAILER_AUTOLOAD,
    SYMFONY_DOTENV_AUTOLOAD,
    Reader,
    Values,
    run,
    save,
)

_PHP_CONSTANTS = (
    "include $argv[1];"
    "echo json_encode(get_defined_constants(true)['user'], JSON_UNESCAPED_UNICODE);"
)


def wordpress_reader(prefix: str) -> Reader:
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
