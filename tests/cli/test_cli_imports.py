"""Each command imports only its own modules: `check` never pays for discovery, exports or the
keychain (measured: 60, 10 and 10 ms of start-up; bench/check_process.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

# Runs the real entry point in a fresh interpreter and writes the modules it had loaded at exit.
_RUN = """
import atexit, json, os, runpy, sys
def dump():
    with open(os.environ["MODULES_OUT"], "w") as out:
        json.dump(sorted(sys.modules), out)
atexit.register(dump)
sys.argv = ["smtpwizard", *sys.argv[1:]]
runpy.run_module("smtpwizard", run_name="__main__", alter_sys=True)
"""

FORBIDDEN_FOR_CHECK = (
    "httpx",
    "h11",
    "dns.resolver",
    "dns.asyncresolver",
    "keyring",
    "smtpwizard.core.exporters",
    "smtpwizard.core.discovery",
    "smtpwizard.core.credentials",
    "smtpwizard.cli.export",
    "smtpwizard.cli.discover",
)


def modules_after(args: list[str], tmp_path, env_extra: dict[str, str]) -> tuple[int, list[str]]:
    out = tmp_path / "modules.json"
    env = {**os.environ, "MODULES_OUT": str(out), **env_extra}
    proc = subprocess.run(
        [sys.executable, "-c", _RUN, *args], env=env, capture_output=True, text=True, timeout=60
    )
    return proc.returncode, json.loads(out.read_text())


def loaded(modules: list[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


def test_check_with_password_env_imports_only_what_it_needs(lab, tmp_path):
    ep = lab.start("starttls_ok")
    args = ["check", "--host", ep.host, "--port", str(ep.port), "--security", "starttls"]
    args += ["--user", lab.username, "--password-env", "PW", "--ca-file", str(lab.ca_file)]
    status, modules = modules_after(args, tmp_path, {"PW": lab.password})
    assert status == 0  # a real sign-in happened, so the whole check path was imported
    assert loaded(modules, "smtpwizard.core.check") and loaded(modules, "aiosmtplib")
    assert [name for name in FORBIDDEN_FOR_CHECK if loaded(modules, name)] == []


def test_discover_still_imports_its_own_stack(tmp_path):
    # A bad address fails before any traffic, after the parser (and its module) are built.
    status, modules = modules_after(["discover", "not-an-address"], tmp_path, {})
    assert status == 2
    assert loaded(modules, "smtpwizard.cli.discover")
    assert not loaded(modules, "smtpwizard.cli.export")
