"""The icon, the .desktop entry and the AppStream description agree with the program."""

from __future__ import annotations

import configparser
import tomllib
from pathlib import Path

from defusedxml import ElementTree

from smtpwizard.ui.app import app_icon

ROOT = Path(__file__).resolve().parents[2]


def test_the_icon_loads(qapp):
    icon = app_icon()
    assert not icon.isNull()
    assert not icon.pixmap(64, 64).isNull()


def test_desktop_entry_starts_the_installed_command():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(ROOT / "resources/smtpwizard.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert desktop["Exec"].split()[0] in scripts
    assert desktop["Icon"] == "smtpwizard" and desktop["Type"] == "Application"
    assert desktop["Categories"].endswith(";")


def test_appstream_metainfo_names_the_desktop_entry_and_a_real_screenshot():
    root = ElementTree.parse(ROOT / "resources/io.github.smtpwizard.metainfo.xml").getroot()
    assert root.findtext("launchable") == "smtpwizard.desktop"
    image = root.find("screenshots/screenshot/image")
    assert image is not None and (ROOT / image.text).is_file()
