"""Readers for the self-hosted apps: each runs the app's own mail set-up (php/apps.php,
ruby/apps.rb, Nodemailer's address parser) or, where the app's parser does not run here (Go,
Rust), that parser's rules quoted from its source."""

from __future__ import annotations

import json
import re
from email.utils import parseaddr
from pathlib import Path

import yaml

from smtpwizard.core.exporters import ExportResult

from .readers_base import HERE, run, save


def _php_app(app: str):
    def read(result: ExportResult, tmp: Path, env: dict[str, str]):
        path = save(result, tmp)
        m = json.loads(run(["php", str(HERE / "php" / "apps.php"), app, str(path)], env=env))
        values = {
            "host": m["host"],
            "port": m["port"],
            "username": m["user"] or None,
            "email": m["from"],
        }
        if m.get("name"):
            values["display_name"] = m["name"]
        if m["pass"]:
            values["password"] = m["pass"]
        if "secure" in m and "autotls" in m:  # PHPMailer-based
            return values, {"SMTPSecure": m["secure"], "SMTPAutoTLS": m["autotls"]}
        enc = {"tls": m["tls"], "secure": m.get("secure"), "scheme": m.get("scheme")}
        enc |= {f"options.{k}": v for k, v in (m.get("options") or {}).items()}
        return values, enc

    return read


def _ruby_app(app: str):
    def read(result: ExportResult, tmp: Path, env: dict[str, str]):
        path = save(result, tmp)
        s = json.loads(run(["ruby", str(HERE / "ruby" / "apps.rb"), app, str(path)], env=env))
        assert s["enabled"] is True
        values = {
            "host": s["address"],
            "port": s["port"],
            "username": s.get("user_name"),
            "email": s["from_address"],
        }
        if s.get("from_name") is not None:
            values["display_name"] = s["from_name"]
        if s.get("password"):
            values["password"] = s["password"]
        keys = ("enable_starttls", "enable_starttls_auto", "tls", "openssl_verify_mode")
        return values, {key: s.get(key) for key in keys}

    return read


def read_ghost(result: ExportResult, tmp: Path, env: dict[str, str]):
    # Nodemailer's own address parser reads `from`, as Ghost's mailer does.
    script = (
        "const fs = require('fs'); const parse = require('nodemailer/lib/addressparser');"
        "const c = JSON.parse(fs.readFileSync(process.argv[1], 'utf8'));"
        "console.log(JSON.stringify({mail: c.mail, from: parse(c.mail.from)[0]}));"
    )
    out = json.loads(
        run(
            ["node", "-e", script, str(save(result, tmp))],
            env={"NODE_PATH": str(HERE / "node" / "node_modules")},
        )
    )
    mail, options = out["mail"], out["mail"]["options"]
    assert mail["transport"] == "SMTP"
    auth = options.get("auth") or {}
    values = {
        "host": options["host"],
        "port": options["port"],
        "username": auth.get("user"),
        "email": out["from"]["address"],
        "display_name": out["from"]["name"],
    }
    if "pass" in auth:
        values["password"] = auth["pass"]
    return values, {k: options.get(k) for k in ("secure", "requireTLS", "ignoreTLS")}


class _HomeAssistantLoader(yaml.SafeLoader):
    """Home Assistant's loader (homeassistant/util/yaml/loader.py) is PyYAML's with !secret."""


_HomeAssistantLoader.add_constructor("!secret", lambda loader, node: "<secret>")


def read_home_assistant(result: ExportResult, tmp: Path, env: dict[str, str]):
    data = yaml.load(result.data.decode("utf-8"), Loader=_HomeAssistantLoader)  # noqa: S506
    [conf] = data["notify"]
    assert conf["platform"] == "smtp"
    values = {
        "host": conf["server"],
        "port": conf["port"],
        "username": conf.get("username"),
        "email": conf["sender"],
        "display_name": conf.get("sender_name", ""),
    }
    if conf.get("password") not in (None, "<secret>"):
        values["password"] = conf["password"]
    return values, {"encryption": conf["encryption"]}


def read_keycloak(result: ExportResult, tmp: Path, env: dict[str, str]):
    server = json.loads(result.data)["smtpServer"]
    assert all(isinstance(value, str) for value in server.values())  # the map is all strings
    values = {
        "host": server["host"],
        "port": int(server["port"]),
        "username": server.get("user"),
        "email": server["from"],
        "display_name": server["fromDisplayName"],
    }
    if "password" in server:
        values["password"] = server["password"]
    return values, {k: server[k] for k in ("ssl", "starttls", "auth")}


def goini_read_value(raw: str) -> str:
    """gopkg.in/ini.v1 parser.go readValue (v1.67): triple quotes or backticks are taken up to
    their LAST occurrence literally; otherwise # or ; starts a comment, a trailing backslash
    continues the line, and one pair of surrounding quotes is dropped."""
    line = raw.lstrip()
    if not line:
        return ""
    quote = '"""' if len(line) > 3 and line.startswith('"""') else "`" if line[0] == "`" else ""
    if quote:
        rest = line[len(quote) :]
        pos = rest.rfind(quote)
        assert pos != -1, "multi-line values are not produced"
        return rest[:pos]
    line = line.strip()
    assert not line.endswith("\\"), "continuation lines are not produced"
    cut = min((i for i in (line.find("#"), line.find(";")) if i > -1), default=-1)
    if cut > -1:
        line = line[:cut].strip()
    if len(line) >= 2 and line[0] == line[-1] and line[0] in "'\"":
        line = line[1:-1]
    return line


def _goini_section(result: ExportResult, name: str) -> dict[str, str]:
    section: dict[str, str] | None = None
    out: dict[str, str] = {}
    for line in result.text.splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if stripped.startswith("["):
            section = stripped.strip("[]")
            continue
        key, value = line.split("=", 1)
        if section == name:
            out[key.strip()] = goini_read_value(value)
    return out


def read_gitea(result: ExportResult, tmp: Path, env: dict[str, str]):
    m = _goini_section(result, "mailer")
    assert m["ENABLED"] == "true"
    name, address = parseaddr(m["FROM"])  # Gitea: net/mail.ParseAddress
    values = {
        "host": m["SMTP_ADDR"],
        "port": int(m["SMTP_PORT"]),
        "username": m.get("USER"),
        "email": address,
        "display_name": name,
    }
    if "PASSWD" in m:
        values["password"] = m["PASSWD"]
    return values, {"PROTOCOL": m["PROTOCOL"]}


def read_grafana(result: ExportResult, tmp: Path, env: dict[str, str]):
    s = _goini_section(result, "smtp")
    host, port = s["host"].rsplit(":", 1)
    values = {
        "host": host,
        "port": int(port),
        "username": s.get("user"),
        "email": s["from_address"],
        "display_name": s["from_name"],
    }
    if "password" in s:
        values["password"] = s["password"]
    return values, {"startTLS_policy": s["startTLS_policy"], "skip_verify": s["skip_verify"]}


def env_file_read_value(raw: str) -> str:
    """Single quotes: literal (dotenvy, compose-go dotenv); double quotes: \\\\ and \\" unescaped
    (both also expand $ inside double quotes, which env_file_value never leaves there)."""
    if raw.startswith("'"):
        assert raw.endswith("'") and "'" not in raw[1:-1]
        return raw[1:-1]
    if raw.startswith('"'):
        inner = raw[1:-1]
        assert "$" not in inner
        return re.sub(r"\\(.)", r"\1", inner)
    return raw


def _env_file(result: ExportResult) -> dict[str, str]:
    pairs = {}
    for line in result.text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            pairs[key] = env_file_read_value(value)
    return pairs


def _env_reader(security_key: str):
    def read(result: ExportResult, tmp: Path, env: dict[str, str]):
        e = _env_file(result)
        values = {
            "host": e["SMTP_HOST"],
            "port": int(e["SMTP_PORT"]),
            "username": e.get("SMTP_USERNAME"),
            "email": e["SMTP_FROM"],
            "display_name": e["SMTP_FROM_NAME"],
        }
        if "SMTP_PASSWORD" in e:
            values["password"] = e["SMTP_PASSWORD"]
        return values, {security_key: e[security_key]}

    return read


READERS = {
    "fluentsmtp": _php_app("fluentsmtp"),
    "joomla": _php_app("joomla"),
    "drupal": _php_app("drupal"),
    "nextcloud": _php_app("nextcloud"),
    "gitlab": _ruby_app("gitlab"),
    "mastodon": _ruby_app("mastodon"),
    "discourse": _ruby_app("discourse"),
    "ghost": read_ghost,
    "home-assistant": read_home_assistant,
    "keycloak": read_keycloak,
    "gitea": read_gitea,
    "grafana": read_grafana,
    "vaultwarden": _env_reader("SMTP_SECURITY"),
    "docker-env": _env_reader("SMTP_SECURITY"),
}
