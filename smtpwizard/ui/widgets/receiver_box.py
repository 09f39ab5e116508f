"""Part of "Will your mail arrive?": what the receiving server concluded about the test message.

Offered only when the test message went to the person's own mailbox and its IMAP server is
encrypted. Nothing is read until they ask (the button), and the message is deleted only when
they tick the box. The password is the one they already gave for sending (the same account).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ..tasks import TaskRunner
from ..theme import colours, hint_label, wrap_label

if TYPE_CHECKING:
    from ...core.settings import IncomingServer


class ReceiverBox(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = TaskRunner(self)
        self.runner.succeeded.connect(self._show)
        self.runner.failed.connect(self._failed)
        self.ask = QPushButton("Ask my mailbo&x what the receiving server concluded")
        self.ask.setToolTip("Reads the test message's header from your inbox (over TLS)")
        self.ask.clicked.connect(self._start)
        self.delete = QCheckBox("De&lete the test message afterwards")
        self.result = wrap_label("")
        self.result.setAccessibleName("What the receiving server concluded")
        self.lines = QVBoxLayout()
        row = QHBoxLayout()
        row.addWidget(self.ask)
        row.addWidget(self.delete)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.result)
        layout.addLayout(self.lines)
        self.outcomes: dict[str, str | None] | None = None
        self._request: tuple[IncomingServer, str, str, str, str | None] | None = None
        self.hide()

    def offer(
        self,
        server: IncomingServer,
        username: str,
        password: str,
        message_id: str,
        ca_file: str | None,
    ) -> None:
        self._request = (server, username, password, message_id, ca_file)
        self.outcomes = None
        self.result.setText("")
        self.show()

    def _start(self) -> None:
        from ...core.deliverability import fetch_message

        if self._request is None:
            return
        server, username, password, message_id, ca_file = self._request
        delete = self.delete.isChecked()
        self.ask.setEnabled(False)
        self.result.setStyleSheet("")
        self.result.setText(f"Looking for the test message in {username}'s mailbox…")

        async def work(_progress: Any) -> Any:
            return await fetch_message(
                server, username, password, message_id, ca_file=ca_file, delete=delete
            )

        self.runner.start(work)

    def _show(self, fetched: Any) -> None:
        from ...core.deliverability import read_verdict

        self.ask.setEnabled(True)
        verdict = read_verdict(fetched.header)
        self.outcomes = {m: verdict.outcome(m) for m in ("spf", "dkim", "dmarc")}
        where = "in your junk folder" if fetched.in_junk else "in your inbox"
        tone = "ok" if set(self.outcomes.values()) == {"pass"} else "fail"
        self.result.setStyleSheet(f"color: {colours()[tone]}; font-weight: bold;")
        self.result.setText(f"The test message arrived {where}: {verdict.summary()}.")
        while self.lines.count():
            item = self.lines.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for method in ("spf", "dkim", "dmarc"):
            self.lines.addWidget(wrap_label(verdict.explain(method)))
        if fetched.deleted:
            self.lines.addWidget(hint_label("The test message was deleted."))

    def _failed(self, exc: Any) -> None:
        self.ask.setEnabled(True)
        self.result.setStyleSheet(f"color: {colours()['warn']};")
        self.result.setText(str(exc))
