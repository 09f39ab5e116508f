"""The wizard for support desks: a preset's locked settings, the report saved from the Test and
Done pages, and a batch's failures opened one by one. Real key and mouse events, real servers."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from smtpwizard.core.desk.batch_results import read_results_file
from smtpwizard.core.desk.preset import parse_preset
from smtpwizard.ui.page_ids import PageId
from smtpwizard.ui.results_window import show_results

from .flows import wait_for_test


def _preset(ep, **extra):
    text = f"""
username = "%EMAILADDRESS%"
domains = ["lab.test"]
user_may_change = ["security"]
[organisation]
name = "Lab Desk"
email = "desk@lab.test"
[help]
sign_in = "Use the password from your welcome letter."
[[servers]]
host = "{ep.host}"
port = {ep.port}
security = "{ep.security.value}"
"""
    return parse_preset(text.encode(), "https://helpdesk.lab.test/preset.toml")


def _save_through_dialog(qtbot, row, target):
    """Click the button; the dialog offers a dated name; choose the target and accept."""
    qtbot.mouseClick(row.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: row.dialog is not None and row.dialog.isVisible())
    edit = row.dialog.findChild(QLineEdit, "fileNameEdit")
    assert edit.text().startswith("smtpwizard-report-") and edit.text().endswith(".html")
    # Qt's own dialog under the offscreen platform ignores the first click on Save now and
    # then (seen with Qt 6.12), so the test accepts it directly after choosing the file.
    row.dialog.selectFile(str(target))
    row.dialog.accept()
    qtbot.waitUntil(lambda: target.with_suffix(".json").exists())
    assert not row.dialog.isVisible()


def test_preset_locks_settings_and_the_report_names_the_desk(qtbot, wizard, lab, tmp_path):
    ep = lab.start("starttls_ok")
    wizard.state.preset = _preset(ep)
    wizard.restart()
    email_page = wizard.page_of(PageId.EMAIL)
    assert email_page.desk.isVisible()
    assert email_page.desk.text() == "Settings from helpdesk.lab.test (Lab Desk)."
    qtbot.keyClicks(email_page.email, ep.username)
    qtbot.keyClick(email_page.email, Qt.Key.Key_Return)  # Return is Next
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.SERVER)  # no search with a preset
    server = wizard.page_of(PageId.SERVER)
    assert server.host.text() == ep.host and server.port.value() == ep.port
    assert not server.host.isEnabled() and not server.port.isEnabled()
    assert server.security.isEnabled()  # the preset lets the customer change this one
    assert "Fixed by your support desk: server, port." in server.source.text()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.SIGN_IN)
    sign_in = wizard.page_of(PageId.SIGN_IN)
    qtbot.waitUntil(lambda: not sign_in.keychain.running, timeout=15000)
    assert sign_in.username.text() == ep.username and not sign_in.username.isEnabled()
    assert "welcome letter" in sign_in.desk.text()
    qtbot.keyClicks(sign_in.password.edit, ep.password)
    sign_in.send_test.setChecked(False)
    wizard.next()
    test_page, result = wait_for_test(qtbot, wizard)
    assert result.ok, result.diagnosis
    assert wizard.currentId() == PageId.TEST  # a preset's way is not the short way: no jump
    assert test_page.desk_parts.report.isVisible()
    target = tmp_path / "for-the-desk.html"
    _save_through_dialog(qtbot, test_page.desk_parts.report, target)
    assert target.exists() and target.with_suffix(".json").exists()
    assert (
        "Saved for-the-desk.html and for-the-desk.json" in test_page.desk_parts.report.saved.text()
    )
    report = json.loads(target.with_suffix(".json").read_text())
    assert report["preset"]["organisation"] == "Lab Desk"
    assert report["preset"]["source"] == "https://helpdesk.lab.test/preset.toml"
    assert report["email"] == ep.username and report["ok"] is True
    for path in (target, target.with_suffix(".json")):
        assert ep.password not in path.read_text()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.DONE)
    done = wizard.page_of(PageId.DONE)
    assert done.report.isVisible() and done.desk.text().startswith("Settings from")


def test_report_after_a_failure_has_discovery_and_ports(qtbot, wizard, lab, tmp_path):
    ep = lab.start("starttls_ok")
    wizard.state.preset = None
    from smtpwizard.core.settings import Security

    from .flows import fill_email, fill_server, fill_sign_in

    fill_email(qtbot, wizard, ep.username, manual=True)
    fill_server(qtbot, wizard, ep.host, ep.port, Security.STARTTLS)
    fill_sign_in(qtbot, wizard, ep.username, "wrong-password-77", send_to=None)
    page, result = wait_for_test(qtbot, wizard)
    assert result.diagnosis.code == "auth_failed"
    assert page.desk_parts.report.isVisible()
    page.desk_parts.report.save(tmp_path / "r.html")
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["diagnosis"]["code"] == "auth_failed" and report["discovery"] is None
    assert "wrong-password-77" not in (tmp_path / "r.html").read_text()
    assert "wrong-password-77" not in (tmp_path / "r.json").read_text()


def test_results_table_opens_an_account(qtbot, wizard, tmp_path):
    path = tmp_path / "results.csv"
    path.write_text(
        "email,host,port,security,ok,code,title,fix,seconds\n"
        "a@lab.test,smtp.lab.test,587,starttls,true,ok,Everything works,Nothing to fix.,0.1\n"
        "b@lab.test,smtp.lab.test,465,tls,false,auth_failed,The password was not accepted,"
        "Check the password.,0.2\n"
        "c@other.test,,,,false,server_not_found,No working outgoing server found for other.test,"
        '"Add host, port and security columns for this account.",0.3\n'
    )
    view = show_results(wizard, read_results_file(path))
    qtbot.addWidget(view)
    assert view.heading.text() == "2 of 3 accounts did not pass."
    table = view.table
    assert table.rowCount() == 2
    assert [table.item(r, 0).text() for r in range(2)] == ["b@lab.test", "c@other.test"]
    assert table.item(0, 1).text() == "smtp.lab.test port 465"
    assert table.item(1, 3).text() == "Add host, port and security columns for this account."
    rect = table.visualItemRect(table.item(0, 2))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    email_page = wizard.page_of(PageId.EMAIL)
    assert wizard.currentId() == PageId.EMAIL and email_page.email.text() == "b@lab.test"
    assert wizard.state.manual  # the batch knew the server: Next shows it to check
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.SERVER)
    server = wizard.page_of(PageId.SERVER)
    assert (server.host.text(), server.port.value()) == ("smtp.lab.test", 465)
    assert server.current_security().value == "tls"
    # Return on the other row opens that one, to be searched for (no server known).
    table.setFocus()
    table.setCurrentCell(1, 0)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert email_page.email.text() == "c@other.test" and not wizard.state.manual
    assert "Add host, port and security" in view.explain.text()
