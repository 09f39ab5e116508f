"""Presets: parsed strictly, locked fields stay locked, hostile documents change nothing, fetched
only over https with autoconfig's caps, written from verified settings, used by `check`."""

from __future__ import annotations

import asyncio
import json
import ssl
import tomllib

import pytest
import trustme

from smtpwizard.cli import main
from smtpwizard.core.desk.preset import Preset, PresetError, parse_preset
from smtpwizard.core.desk.preset_source import fetch_preset, read_preset
from smtpwizard.core.net.resolve import ResolverConfig
from smtpwizard.core.settings import Security
from tests.desk.conftest import PASSWORD_ENV, SILENT_DNS, load
from tests.discovery.servers import Route, Web

GOOD = """
format = "smtpwizard-preset"
version = 1
username = "%EMAILLOCALPART%"
domains = ["example.com", "*.example.net"]
user_may_change = ["port", "security"]
oauth_client_id = "desk-client-1"

[organisation]
name = "Example Hosting"
email = "help@example.com"
phone = "+44 20 7946 0000"
web = "https://help.example.com/mail"

[help]
sign_in = "Your password is the one from the welcome letter.\\nNot your web login."

[[servers]]
host = "smtp.example.com"
port = 587
security = "starttls"

[[servers]]
host = "smtp.example.com"
port = 465
security = "tls"
"""


def _good() -> Preset:
    return parse_preset(GOOD.encode(), "example.toml")


def test_a_good_preset():
    preset = _good()
    assert preset.organisation == "Example Hosting" and preset.origin == "Example Hosting"
    assert [(s.port, s.security) for s in preset.servers] == [
        (587, Security.STARTTLS),
        (465, Security.TLS),
    ]
    assert preset.applies_to("anna@example.com") and preset.applies_to("b@mail.example.net")
    assert not preset.applies_to("c@example.org") and not preset.applies_to("d@badexample.net")
    settings = preset.settings_for("anna@example.com")
    assert (settings.host, settings.port, settings.username) == ("smtp.example.com", 587, "anna")
    changed = preset.settings_for("anna@example.com", port=465, security="tls")
    assert (changed.port, changed.security) == (465, Security.TLS)
    same = preset.settings_for("anna@example.com", host="SMTP.example.com".lower())
    assert same.host == "smtp.example.com"  # giving the fixed value itself is no change
    assert preset.help["sign_in"].splitlines()[1] == "Not your web login."
    assert preset.contact.to_dict()["phone"] == "+44 20 7946 0000"
    # JSON says the same as TOML, and the TOML we write reads back to the same preset.
    as_json = parse_preset(json.dumps(preset.to_dict()).encode(), "example.json")
    again = parse_preset(preset.to_toml().encode(), "example.toml")
    assert as_json.to_dict() == again.to_dict() == preset.to_dict()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"host": "smtp.elsewhere.example"}, r"fixes the host \(smtp.example.com\)"),
        ({"username": "someone"}, "fixes the username"),
    ],
)
def test_locked_fields(change, message):
    with pytest.raises(PresetError, match=message):
        _good().settings_for("anna@example.com", **change)


def test_wrong_domain():
    with pytest.raises(PresetError, match=r"is for addresses at example\.com"):
        _good().settings_for("anna@example.org")


def _variant(old: str, new: str) -> bytes:
    assert old in GOOD
    return GOOD.replace(old, new, 1).encode()


HOSTILE = [
    (b"this is = = not toml", "not valid TOML"),
    (b"\xff\xfe\x00", "not UTF-8"),
    (b'{"servers": ', "not valid JSON"),
    (b"[1, 2]", "not valid TOML"),
    (b"x" * 70_000, "at most 64 KiB"),
    (_variant("version = 1", "version = 9"), "newer than this smtpwizard"),
    (_variant("version = 1", 'version = "1"'), "version: must be a whole number"),
    (_variant('format = "smtpwizard-preset"', 'format = "other"'), "format: must be"),
    (_variant("oauth_client_id", "client_secret"), "unknown key 'client_secret'"),
    (_variant('name = "Example Hosting"', 'name = "Ex\\u001b[2Jample"'), "control or invisible"),
    (_variant('name = "Example Hosting"', 'name = "Ex\\u202eample"'), "control or invisible"),
    (_variant('name = "Example Hosting"', 'name = ""'), "organisation.name: is empty"),
    (_variant("https://help", "http://help"), "must be an https:// address"),
    (_variant('email = "help@example.com"', 'email = "not an address"'), "organisation.email"),
    (_variant('"%EMAILLOCALPART%"', '"%PASSWORD%"'), "knows only"),
    (_variant("port = 587", "port = 70000"), r"servers\[0\].port"),
    (_variant("port = 587", "port = true"), r"servers\[0\].port: must be a number"),
    (_variant('security = "starttls"', 'security = "ssl3"'), "must be starttls, tls or none"),
    (_variant('host = "smtp.example.com"', 'host = "smtp.example.com\\r\\nRSET"'), "host"),
    (_variant('"*.example.net"', '"example.net:25"'), r"domains\[1\]: must be a domain"),
    (_variant('"port", "security"', '"password"'), "'password' is not one of"),
    (_variant("[help]", "[help]\nadmin = 'x'\n"), "help: unknown key 'admin'"),
    (
        _variant(
            'security = "tls"\n', 'security = "tls"\n' + "\n[[servers]]\nhost='a.b'\nport=25\n" * 4
        ),
        "1 to 5 servers",
    ),
    (GOOD.split("[[servers]]")[0].encode(), "servers: must list 1 to 5"),
]


@pytest.mark.parametrize(("data", "message"), HOSTILE)
def test_hostile_presets_are_refused(data, message):
    with pytest.raises(PresetError, match=message):
        parse_preset(data, "p.toml")


def test_files(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(GOOD)
    assert asyncio.run(read_preset(str(path))).organisation == "Example Hosting"
    with pytest.raises(PresetError, match="no such file"):
        asyncio.run(read_preset(str(tmp_path / "missing.toml")))
    with pytest.raises(PresetError, match="not a regular file"):
        asyncio.run(read_preset(str(tmp_path)))


# -- fetched over https --------------------------------------------------------------------------

HOST = "helpdesk.example.test"


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture
def web(ca):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(HOST, "other.test").configure_cert(context)
    with Web(context) as running:
        yield running


@pytest.fixture
def ca_file(ca, tmp_path):
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def _fetch(web, ca_file, path="/preset.toml", scheme="https"):
    port = web.https_port if scheme == "https" else web.http_port
    url = f"{scheme}://{HOST}:{port}{path}"
    resolver = ResolverConfig(overrides={HOST: "127.0.0.1", "other.test": "127.0.0.1"})
    return asyncio.run(fetch_preset(url, resolver=resolver, ca_file=ca_file, timeout=5))


def test_fetched_preset(web, ca_file):
    web.route(
        f"https://{HOST}/preset.toml", Route(body=GOOD.encode(), content_type="application/toml")
    )
    preset = _fetch(web, ca_file)
    assert preset.origin == HOST and preset.organisation == "Example Hosting"


@pytest.mark.parametrize(
    ("route", "message"),
    [
        (Route(body=GOOD.encode(), content_type="text/html"), "sent text/html instead of text"),
        (Route(body=b"x" * 100_000, content_type="text/plain"), "the limit is 64 KiB"),
        (
            Route(body=b"x" * 100_000, content_type="text/plain", content_length=False),
            "sent more than 64 KiB",
        ),
        (
            Route(body=b"", status=302, headers={"Location": "https://other.test/p.toml"}),
            "redirected to another domain",
        ),
        (
            Route(body=b"", status=302, headers={"Location": f"http://{HOST}/p.toml"}),
            "redirected to an unencrypted address",
        ),
        (Route(body=b"", status=404), "not found"),
    ],
)
def test_fetch_caps(web, ca_file, route, message):
    web.route(f"https://{HOST}/preset.toml", route)
    with pytest.raises(PresetError, match=message):
        _fetch(web, ca_file)


def test_plain_http_is_refused_before_connecting(web, ca_file):
    web.route(f"http://{HOST}/preset.toml", Route(body=GOOD.encode(), content_type="text/plain"))
    with pytest.raises(PresetError, match="only over https"):
        _fetch(web, ca_file, scheme="http")
    assert web.requests == []


def test_untrusted_certificate_is_refused(web):
    web.route(f"https://{HOST}/preset.toml", Route(body=GOOD.encode(), content_type="text/plain"))
    with pytest.raises(PresetError, match="certificate"):
        _fetch(web, None)


# -- check --preset and preset new against the lab ------------------------------------------------


def _lab_preset(ep, tmp_path, *, may_change=""):
    text = f"""
username = "%EMAILADDRESS%"
domains = ["lab.test"]
user_may_change = [{may_change}]
[organisation]
name = "Lab Desk"
phone = "+1 555 0100"
[[servers]]
host = "{ep.host}"
port = {ep.port}
security = "{ep.security.value}"
"""
    path = tmp_path / "lab.toml"
    path.write_text(text)
    return path


def _check(lab, preset, *extra):
    return main(
        [
            "check",
            "--preset",
            str(preset),
            "--ca-file",
            str(lab.ca_file),
            "--password-env",
            PASSWORD_ENV,
            "--timeout",
            "4",
            *extra,
        ]
    )


def test_check_with_preset(lab, tmp_path, capsys, monkeypatch):
    ep = lab.start("starttls_ok")
    monkeypatch.setenv(PASSWORD_ENV, ep.password)
    preset = _lab_preset(ep, tmp_path)
    status = _check(
        lab,
        preset,
        "--email",
        ep.username,
        "--dns-server",
        SILENT_DNS,
        "--report",
        str(tmp_path / "r.html"),
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert out.startswith("Settings from Lab Desk (Lab Desk)")
    report = load(tmp_path / "r.json")
    assert report["preset"]["organisation"] == "Lab Desk"
    assert report["preset"]["source"] == "lab.toml"
    assert report["settings"]["username"] == ep.username
    assert "Your support desk" in (tmp_path / "r.html").read_text()
    assert main(["report", "show", str(tmp_path / "r.json")]) == 0
    assert "Preset: Lab Desk (from lab.toml); contact - +1 555 0100" in capsys.readouterr().out


def test_check_preset_refusals(lab, tmp_path, capsys, monkeypatch):
    ep = lab.start("starttls_ok")
    monkeypatch.setenv(PASSWORD_ENV, ep.password)
    preset = _lab_preset(ep, tmp_path)
    assert _check(lab, preset, "--email", ep.username, "--port", "2525") == 2
    assert "fixes the port" in capsys.readouterr().err
    assert _check(lab, preset, "--email", "anna@other.example") == 2
    assert "is for addresses at lab.test" in capsys.readouterr().err
    assert _check(lab, preset) == 2
    assert "give the address being set up with --email" in capsys.readouterr().err
    (tmp_path / "bad.toml").write_text("[organisation]\nname = 1\n")
    assert _check(lab, tmp_path / "bad.toml", "--email", ep.username) == 2
    assert "organisation.name: must be text" in capsys.readouterr().err
    assert _check(lab, "http://127.0.16.1:9/p.toml", "--email", ep.username) == 2
    assert "only over https" in capsys.readouterr().err


def test_preset_new_from_verified_profile(tmp_path, capsys, monkeypatch):
    from smtpwizard.core.profiles import save_profile
    from smtpwizard.core.profiles.model import CheckSummary, Profile
    from smtpwizard.core.settings import Account, ServerSettings

    monkeypatch.setenv("SMTPWIZARD_CONFIG_DIR", str(tmp_path / "config"))
    server = ServerSettings("smtp.example.com", 465, Security.TLS, username="anna")
    account = Account("anna@example.com")
    save_profile(Profile("untested", server, account))
    save_profile(Profile("work", server, account, CheckSummary.now(True)))
    out = tmp_path / "preset.toml"

    assert main(["preset", "new", "--profile", "untested", "-o", str(out)]) == 2
    assert "has not passed a check yet" in capsys.readouterr().err
    assert not out.exists()
    args = [
        "preset",
        "new",
        "--profile",
        "work",
        "-o",
        str(out),
        "--organisation",
        "Example",
        "--support-web",
        "https://help.example.com",
        "--user-may-change",
        "port",
    ]
    assert main(args) == 0
    assert "Wrote" in capsys.readouterr().out
    data = tomllib.loads(out.read_text())
    assert data["servers"] == [{"host": "smtp.example.com", "port": 465, "security": "tls"}]
    assert data["username"] == "%EMAILLOCALPART%" and data["domains"] == ["example.com"]
    assert data["user_may_change"] == ["port"]
    assert main(args) == 2  # no silent overwrite
    assert "add --force" in capsys.readouterr().err
    bad = [
        "preset",
        "new",
        "--profile",
        "work",
        "-o",
        str(tmp_path / "b.toml"),
        "--support-web",
        "http://insecure.example",
    ]
    assert main(bad) == 2
    assert "must be an https:// address" in capsys.readouterr().err
    assert not (tmp_path / "b.toml").exists()
    assert main(["preset", "check", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "Settings from Example" in shown and "customers may change: port" in shown
    assert main(["preset", "check", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["organisation"]["name"] == "Example"
