"""The Done page's "Will your mail arrive?": the domain's DNS checked, and the fixes to paste.

Every text shown comes from core.deliverability, where DNS text has already passed the
servertext boundary; labels are plain text (never rich), so a record cannot inject markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..tasks import TaskRunner
from ..theme import colours, hint_label, wrap_label

if TYPE_CHECKING:
    from ...core.deliverability import Check, DeliverabilityOptions, DeliverabilityReport

_HEADLINES = {
    "good": ("ok", "✓ Yes: your domain has everything Gmail, Outlook and Yahoo ask for."),
    "at_risk": ("warn", "! Mostly, but some of your domain's settings should be fixed."),
    "blocked": ("fail", "✗ Probably not: big mail services will refuse or spam-folder it."),
}
_MARKS = {"pass": "✓", "warn": "!", "fail": "✗", "missing": "—"}


class DeliverabilityPanel(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Will your mail arrive?", parent)
        self.runner = TaskRunner(self)
        self.runner.succeeded.connect(self._show)
        self.runner.failed.connect(self._failed)
        self.headline = wrap_label("")
        self.headline.setAccessibleName("Will your mail arrive")
        self.rows = QVBoxLayout()
        self.again = QPushButton("Check agai&n")
        self.again.setToolTip("Look up your domain's settings again, for example after a fix")
        self.again.clicked.connect(self._restart)
        self.again.setEnabled(False)  # until a first check ran
        top = QHBoxLayout()
        top.addWidget(self.headline, 1)
        top.addWidget(self.again)
        from .receiver_box import ReceiverBox

        self.receiver = ReceiverBox(self)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(self.rows)
        layout.addWidget(self.receiver)
        self._request: tuple[str, DeliverabilityOptions] | None = None
        self.report: DeliverabilityReport | None = None

    def start(self, domain: str, options: DeliverabilityOptions) -> None:
        from ...core.deliverability import check_deliverability, is_test_domain

        self._request = (domain, options)
        self.report = None
        self._clear()
        self.headline.setStyleSheet("")
        if is_test_domain(domain) and options.dns_server is None:
            self.headline.setText(
                f"{domain} is a name reserved for tests: it has no public DNS settings to check."
            )
            self.again.setEnabled(False)
            return
        self.headline.setText(f"Checking the settings of {domain} that mail services look at…")
        self.again.setEnabled(False)
        self.runner.start(lambda _progress: check_deliverability(domain, options))

    def _restart(self) -> None:
        if self._request is not None:
            self.start(*self._request)

    def _show(self, report: DeliverabilityReport) -> None:
        self.report = report
        self.again.setEnabled(True)
        tone, text = _HEADLINES[report.verdict.value]
        self.headline.setText(text)
        self.headline.setStyleSheet(f"color: {colours()[tone]}; font-weight: bold;")
        passed = [c for c in report.checks if c.status.value == "pass"]
        extras = [c for c in report.checks if c.optional and c.status.value != "pass"]
        fixes = []
        for check in report.checks:
            if check.status.value != "pass" and not check.optional:
                self.rows.addWidget(_CheckRow(check))
                if check.fix is not None and check.fix.record_type == "TXT":
                    fixes.append(check.fix)
        if fixes:  # the same for every record of the domain: said once
            self.rows.addWidget(hint_label(f"{fixes[0].where} It takes effect {fixes[0].spread}."))
        if passed:
            self.rows.addWidget(hint_label(f"✓ In order: {_names(passed)}."))
        if extras:
            self.rows.addWidget(
                hint_label(
                    f"Optional, for mail sent to you: {_names(extras)} not set up. "
                    f"'smtpwizard deliverability {report.domain}' shows the records."
                )
            )

    def _failed(self, exc: Any) -> None:
        self.again.setEnabled(True)
        self.headline.setStyleSheet("")
        self.headline.setText(f"Your domain's settings could not be checked: {exc}")

    def _clear(self) -> None:
        while self.rows.count():
            item = self.rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()


def _names(checks: list[Check]) -> str:
    return ", ".join(c.title.split(":")[0] for c in checks)


class _CheckRow(QWidget):
    """One check that is not in order: what it means, and the record to paste."""

    def __init__(self, check: Check) -> None:
        super().__init__()
        # Word-wrapped labels inside: the row's height depends on its width.
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        tone = {"fail": "fail", "missing": "fail", "warn": "warn"}.get(check.status.value, "ok")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        title = QLabel(f"{_MARKS[check.status.value]} {check.title}")
        title.setStyleSheet(f"color: {colours()[tone]}; font-weight: bold;")
        layout.addWidget(title)
        layout.addWidget(wrap_label(check.explanation))
        fix = check.fix
        if fix is None:
            return
        layout.addWidget(wrap_label(fix.summary.splitlines()[0]))
        if fix.value:
            where = QLabel(f"{fix.record_type} record at {fix.name}:")
            where.setAccessibleName("Where the record goes")
            value = wrap_label(fix.value, selectable=True)
            value.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
            value.setAccessibleName(f"The {fix.record_type} record to paste")
            self.copy = QPushButton("Copy")
            self.copy.setToolTip(f"Copy the {fix.record_type} record for {fix.name}")
            self.copy.clicked.connect(lambda: self._copy(fix.value))
            line = QHBoxLayout()
            line.addWidget(value, 1)
            line.addWidget(self.copy)
            layout.addWidget(where)
            layout.addLayout(line)
        elif fix.record_type == "PTR":  # not in the domain's DNS: say where instead
            layout.addWidget(hint_label(fix.where))

    def _copy(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.copy.setText("Copied ✓")
