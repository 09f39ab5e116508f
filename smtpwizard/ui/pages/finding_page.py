"""Page 2: finding the server from the address, live, source by source and port by port."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
)

from ...core.diagnosis.catalogue import SECURITY_WORDS
from ..page_ids import PageId
from ..tasks import TaskRunner
from ..theme import colours, hint_label, plain_label, plain_tooltip, wrap_label
from .base import WizardPageBase

if TYPE_CHECKING:
    from ...core.discovery import DiscoveryEvent
    from ...core.probe import PortReport
    from ..search import SearchOutcome

# Discovery (httpx, dnspython) is imported when the page is first shown, not at start-up.
_STATUS_WORDS = {
    "found": ("✓", "ok", "found your settings"),
    "nothing": ("–", "muted", "nothing for this address"),
    "failed": ("–", "muted", "nothing found there"),
    "skipped": ("–", "muted", "not needed"),
    "pending": ("…", "muted", "not needed any more"),
}
_SHOWN_SOURCES = ("provider_table", "autoconfig", "ispdb", "mx", "srv", "guess")


class FindingPage(WizardPageBase):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Finding your server")
        self.setSubTitle("We look in several places at once and test what we find.")
        self.sources_box = QGroupBox("Where we look")
        self._sources_grid = QGridLayout(self.sources_box)
        self._sources_grid.setColumnStretch(2, 1)
        self._source_rows: dict[str, tuple[QLabel, QLabel]] = {}
        self.ports_box = QGroupBox("Testing the connection")
        self.ports_grid = QGridLayout(self.ports_box)
        self.ports_grid.setColumnStretch(2, 1)
        self._port_rows: dict[tuple[str, int], tuple[QLabel, QLabel, QLabel]] = {}
        self.result = wrap_label()
        self.result.setObjectName("searchResult")
        font = self.result.font()
        font.setBold(True)
        self.result.setFont(font)
        self.result.setAccessibleName("What we found")
        self.notes = wrap_label(rich=True)
        self.confirm = QCheckBox(_CONFIRM_WORDS)
        self.confirm.setToolTip("Press Space to tick, then Enter to go on")
        self.confirm.setAccessibleName("Confirm the settings we found")
        self.confirm.toggled.connect(lambda _on: self.completeChanged.emit())
        self.stop = QPushButton("&Stop searching")
        self.stop.clicked.connect(self._stop)
        self.retry = QPushButton("Search &again")
        self.retry.clicked.connect(self._start)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.stop)
        buttons.addWidget(self.retry)
        # What was found (and the confirmation it may need) first; the detail below.
        self.scrolling(
            self.result, self.confirm, buttons, self.notes, self.sources_box, self.ports_box
        )
        self.runner = TaskRunner(self)
        self.runner.progress.connect(self._progress)
        self.runner.succeeded.connect(self._finished)
        self.runner.failed.connect(self._failed)
        self.runner.cancelled.connect(self._cancelled)
        self.runner.running_changed.connect(self._running_changed)
        self.outcome: SearchOutcome | None = None
        # Ports still pending at the decision go on reporting until they finish.
        self.followup = TaskRunner(self)

    # -- lifecycle ---------------------------------------------------------------------------

    def initializePage(self) -> None:
        self._start()

    def cleanupPage(self) -> None:
        self.runner.cancel()
        self.followup.cancel()

    def isComplete(self) -> bool:
        if self.runner.running:
            return False
        outcome = self.outcome
        if outcome is None or outcome.settings is None:
            return True  # nothing found: go on and enter the settings by hand
        return outcome.trusted or self.confirm.isChecked()

    def validatePage(self) -> bool:
        outcome = self.outcome
        state = self.state
        if outcome is not None and outcome.settings is not None:
            state.settings = outcome.settings
            state.settings_source = outcome.source_words
            state.verified_by_probe = outcome.verified
            self._judge_oauth(outcome)
        if outcome is not None:
            state.provider_notes = outcome.notes
            state.provider_name = outcome.provider_name
            state.incoming = outcome.incoming or state.incoming
        return True

    def _judge_oauth(self, outcome: SearchOutcome) -> None:
        """The <oAuth2> block the chosen candidate came with, judged (core/oauth/offer.py)."""
        from ...core.errors import InputError
        from ...core.oauth import discovered_sign_in

        state = self.state
        state.oauth_offer = None
        if outcome.candidate is None:
            return
        try:
            state.oauth_offer = discovered_sign_in(outcome.candidate, state.email)
        except InputError as exc:  # not offered: the password way stays, as without a block
            logging.getLogger(__name__).info("discovered OAuth2 settings not used: %s", exc)

    def nextId(self) -> int:
        # What was found is shown here; the Server page only when the person wants it or
        # nothing usable was found. No password yet ("type it later"): the Sign-in page.
        outcome = self.outcome
        if self.state.manual or outcome is None or outcome.settings is None:
            return int(PageId.SERVER)
        return int(PageId.TEST if self.state.password else PageId.SIGN_IN)

    def _go_on_by_itself(self) -> None:
        """The short way: a trusted answer needs nobody, so the test starts at once."""
        outcome = self.outcome
        if (
            self.state.express
            and outcome is not None
            and outcome.settings is not None
            and outcome.trusted
            and self.isVisible()
            and self.wizard() is not None
            and self.wizard().currentPage() is self
        ):
            self.wizard().next()

    # -- running -----------------------------------------------------------------------------

    def _ensure_source_rows(self) -> None:
        from ...core.discovery import SourceKind

        if self._source_rows:
            return
        for row, value in enumerate(_SHOWN_SOURCES):
            label = SourceKind(value).label
            mark, reason = plain_label("○"), hint_label()
            grid = self._sources_grid
            grid.addWidget(mark, row, 0)
            grid.addWidget(plain_label(label[0].upper() + label[1:]), row, 1)
            grid.addWidget(reason, row, 2)
            self._source_rows[value] = (mark, reason)

    def _start(self) -> None:
        from ...core.discovery import DiscoveryOptions
        from ..search import find_settings

        self.followup.cancel()
        self._ensure_source_rows()
        self.outcome = None
        self.confirm.hide()
        self.confirm.setChecked(False)
        self.notes.hide()
        self.result.setText(f"Looking for the settings of {self.state.email}…")
        for mark, reason in self._source_rows.values():
            mark.setText("◐")
            mark.setStyleSheet(f"color: {colours()['warn']};")
            reason.setText("looking…")
        self._clear_ports()
        options = self.state.discovery_options
        email = self.state.email
        ca_file = self.state.ca_file
        resolver = self.state.resolver
        self.runner.start(
            lambda progress: find_settings(
                email,
                options if isinstance(options, DiscoveryOptions) else DiscoveryOptions(),
                ca_file=ca_file,
                resolver=resolver,
                progress=progress,
            )
        )

    def _stop(self) -> None:
        self.state.express = False  # the person took over
        self.runner.cancel()
        self.followup.cancel()

    def _clear_ports(self) -> None:
        for widgets in self._port_rows.values():
            for widget in widgets:
                widget.deleteLater()
        self._port_rows.clear()
        self.ports_box.hide()

    # -- events ------------------------------------------------------------------------------

    def _progress(self, event: object) -> None:
        from ...core.discovery import DiscoveryEvent
        from ...core.probe import PortReport

        if isinstance(event, DiscoveryEvent):
            self._source_event(event)
        elif isinstance(event, PortReport):
            self._port_event(event)

    def _source_event(self, event: DiscoveryEvent) -> None:
        row = self._source_rows.get(event.kind.value)
        if row is None or event.phase != "finished" or event.status is None:
            return
        mark, reason = row
        symbol, colour, words = _STATUS_WORDS[event.status.value]
        mark.setText(symbol)
        mark.setStyleSheet(f"color: {colours()[colour]}; font-weight: bold;")
        # Plain words on screen; the technical reason (URLs, DNS names) in the tooltip.
        reason.setText(words)
        reason.setToolTip(plain_tooltip(event.reason))

    def _port_event(self, event: PortReport) -> None:
        from ..search import port_words

        self.ports_box.show()
        key = (event.host, event.port)
        if key not in self._port_rows:
            row = len(self._port_rows)
            widgets = (plain_label(), plain_label(f"{event.host} port {event.port}"), hint_label())
            for column, widget in enumerate(widgets):
                self.ports_grid.addWidget(widget, row, column)
            self._port_rows[key] = widgets
        mark, _title, words = self._port_rows[key]
        palette = colours()
        symbol, colour = {
            "working": ("✓", "ok"),
            "pending": ("◐", "warn"),
            "plaintext_only": ("!", "warn"),
            "failed": ("✗", "fail"),
        }.get(event.status.value, ("○", "muted"))
        stopped = event.diagnosis is not None and event.diagnosis.code == "cancelled"
        if symbol == "✗" and (stopped or self._found_working()):
            symbol, colour = "–", "muted"  # stopped, or not needed: nothing is wrong
        mark.setText(symbol)
        mark.setStyleSheet(f"color: {palette[colour]}; font-weight: bold;")
        words.setText(port_words(event))
        if event.diagnosis is not None:
            words.setToolTip(plain_tooltip(event.diagnosis.explanation))

    def _found_working(self) -> bool:
        outcome = self.outcome
        return outcome is not None and outcome.settings is not None and outcome.verified

    def _calm_unused_ports(self) -> None:
        palette = colours()
        for mark, _title, _words in self._port_rows.values():
            if mark.text() == "✗":
                mark.setText("–")
                mark.setStyleSheet(f"color: {palette['muted']}; font-weight: bold;")

    def _finished(self, outcome: Any) -> None:
        from ..search import SearchOutcome

        assert isinstance(outcome, SearchOutcome)
        self.outcome = outcome
        self.state.last_search = outcome.search
        if outcome.pending_run is not None:
            from ..search import finish_pending

            run = outcome.pending_run
            self.followup.start(lambda _progress: finish_pending(run))
        for mark, reason in self._source_rows.values():
            if mark.text() == "◐":
                mark.setText("–")
                mark.setStyleSheet(f"color: {colours()['muted']};")
                reason.setText("not needed")
        settings = outcome.settings
        if settings is None:
            self.result.setText(outcome.summary)
        else:
            from ...core.organisations import stranger_host

            checked = "tested and working" if outcome.verified else "not tested yet"
            # Settings from DNS or a guess that point into another organisation's domain: the
            # confirmation names both domains, and the warning says what is at stake.
            stranger = (
                None if outcome.trusted else stranger_host(settings.host, email=self.state.email)
            )
            self.result.setText(
                f"Found: {settings.host}, port {settings.port}, "
                f"{SECURITY_WORDS[settings.security.value]} ({checked}). "
                f"Source: {outcome.source_words}."
                + (f" Warning: {stranger.warning()}" if stranger else "")
            )
            self.confirm.setText(
                f"{stranger.consent_words()}: &use these settings" if stranger else _CONFIRM_WORDS
            )
            self.confirm.setVisible(not outcome.trusted)
            if outcome.verified:
                self._calm_unused_ports()
        if outcome.notes:
            from ..hints import notes_html

            self.notes.setText(notes_html(outcome.provider_name or "your provider", outcome.notes))
            self.notes.show()
        self.completeChanged.emit()
        QTimer.singleShot(0, self._go_on_by_itself)

    def _failed(self, exc: object) -> None:
        from ..search import SearchOutcome

        self.outcome = SearchOutcome.nothing(f"The search stopped with a problem: {exc}")
        self.result.setText(self.outcome.summary + " You can enter the settings yourself.")
        self.completeChanged.emit()

    def _cancelled(self) -> None:
        from ..search import SearchOutcome

        self.outcome = SearchOutcome.nothing("You stopped the search.")
        self.result.setText("You stopped the search. Press Next to enter the settings yourself.")
        self.completeChanged.emit()

    def _running_changed(self, running: bool) -> None:
        had_focus = self.stop.hasFocus() or self.retry.hasFocus()
        # Enable before disabling, and then put the focus where Return means "go on":
        # otherwise Qt moves it to the next button in the chain, "< Back", without a ring.
        self.retry.setEnabled(not running)
        self.stop.setEnabled(running)
        self.completeChanged.emit()
        if running:
            if had_focus:
                self.stop.setFocus()
        elif self.isVisible():
            QTimer.singleShot(0, self._focus_after_search)

    def _focus_after_search(self) -> None:
        if self.confirm.isVisible() and not self.confirm.isChecked():
            self.confirm.setFocus()
            self.scroll_to(self.confirm)
        else:
            self.put_focus()


_CONFIRM_WORDS = "These settings look right to me: &use them"
