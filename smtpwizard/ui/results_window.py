"""`gui --results FILE`: a batch's failures beside the wizard; one double-click opens an account."""

from __future__ import annotations

from ..core.desk.batch_results import BatchResults, ResultRow
from ..core.settings import ServerSettings, default_security_for_port
from .page_ids import PageId
from .pages.email_page import EmailPage
from .results_view import ResultsView
from .wizard import SetupWizard


def show_results(wizard: SetupWizard, results: BatchResults) -> ResultsView:
    view = ResultsView(results)
    view.open_account.connect(lambda row: open_account(wizard, row))
    view.show()
    return view


def open_account(wizard: SetupWizard, row: object) -> None:
    """Start the wizard over on this account: its address, and the server the batch used."""
    assert isinstance(row, ResultRow)
    state = wizard.state
    state.email = row.email
    state.last_result = None
    state.last_search = None
    known = bool(row.host and row.port)
    if known and row.port is not None:
        security = row.security or default_security_for_port(row.port)
        state.settings = ServerSettings(row.host, row.port, security, username=row.email)
        state.settings_source = "the batch results"
    else:
        state.settings = None
    wizard.restart()
    page = wizard.page_of(PageId.EMAIL)
    assert isinstance(page, EmailPage)
    page.email.setText(row.email)
    # After restart (the Email page resets it): with the batch's server, Next goes to the
    # Server page to check it; without one, to the search.
    state.manual = known
    wizard.raise_()
    wizard.activateWindow()
