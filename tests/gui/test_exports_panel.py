"""The Done page's exports: "Where will you use these settings?", a search box, one line per
format naming the program version, a rendered card preview, and no jumps under the mouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from smtpwizard.core.exporters import FORMATS
from smtpwizard.core.exporters.base import Place
from smtpwizard.core.settings import Security, ServerSettings
from smtpwizard.ui.state import WizardState
from smtpwizard.ui.widgets.export_chooser import entry_label
from smtpwizard.ui.widgets.exports_panel import ExportsPanel


@pytest.fixture
def panel(qtbot, tmp_path, monkeypatch) -> ExportsPanel:
    monkeypatch.setenv("HOME", str(tmp_path))  # no Thunderbird profile, no Documents folder
    state = WizardState(name="Anna Müller", email="anna@example.com")
    state.settings = ServerSettings("smtp.example.com", 587, Security.STARTTLS, "anna@example.com")
    widget = ExportsPanel()
    qtbot.addWidget(widget)
    widget.resize(900, 560)
    widget.show()
    widget.set_account(state)
    return widget


def test_the_default_is_the_settings_card_shown_as_it_looks(panel: ExportsPanel) -> None:
    assert panel.chooser.place is Place.MAIL_PROGRAM
    assert panel.current_format().id == "card-html"
    assert panel.previews.currentWidget() is panel.rendered
    shown = panel.rendered.toPlainText()
    assert "Email settings" in shown and "smtp.example.com" in shown
    assert "<!DOCTYPE" not in shown and "<td" not in shown
    # Files for whoever runs the domain come last, and say so.
    listed = panel.chooser.listed()
    assert listed[-2:] == ["thunderbird-autoconfig", "outlook-autodiscover"]


@pytest.mark.parametrize("place", list(Place))
def test_each_place_lists_only_its_formats_with_their_versions(
    panel: ExportsPanel, place: Place
) -> None:
    panel.chooser.set_place(place)
    listed = panel.chooser.listed()
    assert listed and set(listed) == {f.id for f in FORMATS if f.where is place}
    for row in range(panel.chooser.list.count()):
        item = panel.chooser.list.item(row)
        version = item.data(Qt.ItemDataRole.UserRole + 1)
        assert version and "\n" not in version  # one line
    labels = [panel.chooser.list.item(r).text() for r in range(panel.chooser.list.count())]
    assert len(labels) == len(set(labels))


def test_labels_are_unique_across_every_format() -> None:
    labels = [entry_label(fmt) for fmt in FORMATS]
    assert len(labels) == len(set(labels))


def test_search_looks_everywhere_and_says_when_nothing_matches(qtbot, panel: ExportsPanel) -> None:
    qtbot.keyClicks(panel.chooser.search, "docker")
    assert {"docker-env", "gitlab"} <= set(panel.chooser.listed())  # GitLab's Docker images too
    panel.chooser.search.clear()
    qtbot.keyClicks(panel.chooser.search, "compose")
    assert panel.chooser.listed() == ["docker-env"]
    assert panel.current_format().id == "docker-env"
    assert "SMTP_HOST='smtp.example.com'" in panel.preview.toPlainText()
    panel.chooser.search.clear()
    qtbot.keyClicks(panel.chooser.search, "wordpress fluent")
    assert panel.chooser.listed() == ["fluentsmtp"]
    panel.chooser.search.clear()
    qtbot.keyClicks(panel.chooser.search, "no such program")
    assert panel.chooser.listed() == [] and panel.chooser.empty.isVisible()
    assert not panel.save.isEnabled() and not panel.copy.isEnabled()


def test_picking_a_format_moves_nothing_under_the_mouse(qtbot, panel: ExportsPanel) -> None:
    panel.chooser.set_place(Place.CODE)
    listed = panel.chooser.list
    listed.verticalScrollBar().setValue(listed.verticalScrollBar().maximum())
    scrolled = listed.verticalScrollBar().value()
    geometry = (panel.previews.geometry(), panel.save.geometry(), listed.geometry())
    for row in range(listed.count() - 1, listed.count() - 6, -1):
        rect = listed.visualItemRect(listed.item(row))
        if not listed.viewport().rect().contains(rect.center()):
            continue
        qtbot.mouseClick(listed.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert panel.current_format().id == listed.item(row).data(Qt.ItemDataRole.UserRole)
        assert listed.verticalScrollBar().value() == scrolled
        assert (panel.previews.geometry(), panel.save.geometry(), listed.geometry()) == geometry


def test_open_the_folder_without_a_file_manager_says_where_the_file_is(
    panel: ExportsPanel, tmp_path: Path, monkeypatch
) -> None:
    panel.select("msmtp")
    written = panel.save_to(str(tmp_path / "msmtprc"))
    assert written is not None
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no xdg-open, no file manager
    panel.open_folder.click()
    assert f"The file is in {tmp_path}." in panel.saved_note.text()


def test_the_save_dialog_starts_at_home_when_documents_is_missing(
    panel: ExportsPanel, tmp_path: Path
) -> None:
    assert panel.default_save_folder() == tmp_path
    (tmp_path / "Documents").mkdir()
    assert panel.default_save_folder() == tmp_path / "Documents"


def test_thunderbird_identity_is_switched_only_when_ticked(qtbot, tmp_path, monkeypatch) -> None:
    """The person's own Thunderbird profile (read only) has an identity for this address."""
    root = tmp_path / ".thunderbird"
    profile = root / "p.default-release"
    profile.mkdir(parents=True)
    prefs = (
        'user_pref("mail.identity.id1.useremail", "anna@example.com");\n'
        'user_pref("mail.identity.id1.smtpServer", "smtp1");\n'
        'user_pref("mail.smtpservers", "smtp1");\n'
    )
    (profile / "prefs.js").write_text(prefs)
    (root / "profiles.ini").write_text("[Install1]\nDefault=p.default-release\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    state = WizardState(name="Anna", email="anna@example.com")
    state.settings = ServerSettings("smtp.example.com", 587, Security.STARTTLS, "anna@example.com")
    widget = ExportsPanel()
    qtbot.addWidget(widget)
    widget.show()
    widget.set_account(state)
    widget.select("thunderbird-userjs")
    assert widget.tb_identity.isVisible() and not widget.tb_identity.isChecked()
    text = widget.preview.toPlainText()
    assert 'user_pref("mail.smtpservers", "smtp1,smtpwizard");' in text
    assert "mail.identity" not in text
    widget.tb_identity.setChecked(True)
    assert (
        'user_pref("mail.identity.id1.smtpServer", "smtpwizard");' in widget.preview.toPlainText()
    )
    widget.select("apple-mobileconfig")
    assert not widget.tb_identity.isVisible()
    assert (profile / "prefs.js").read_text() == prefs  # never written
