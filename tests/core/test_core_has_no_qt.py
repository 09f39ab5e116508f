"""The core must stay free of Qt: import all of it in a fresh interpreter and look."""

import pkgutil
import subprocess
import sys

import smtpwizard.core


def test_importing_every_core_module_loads_no_pyside6() -> None:
    modules = [
        info.name for info in pkgutil.walk_packages(smtpwizard.core.__path__, "smtpwizard.core.")
    ]
    assert "smtpwizard.core.check.run" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "qt = ('PySide6', 'shiboken6', 'qasync')\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in qt)\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "", f"core imported Qt: {out.stdout}"
