"""Provider hints shown before the user fails: app passwords, admin switches, OAuth-only."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .state import WizardState

if TYPE_CHECKING:
    from ..core.diagnosis import Diagnosis


# The provider table is imported when a hint is asked for: importing it loads the whole
# discovery package (httpx, dnspython), which the pages using these hints must not load when
# they are built.


def provider_hints(state: WizardState) -> tuple[str, tuple[str, ...]]:
    """(provider name, notes) from discovery when it ran, else from our table by domain/host."""
    if state.provider_notes:
        return state.provider_name, state.provider_notes
    from ..core.discovery.providers import match_domain, match_smtp_host

    domain = state.email.rpartition("@")[2]
    provider = match_domain(domain) if domain else None
    if provider is None and state.settings is not None:
        provider = match_smtp_host(state.settings.host)
    if provider is None:
        return "", ()
    return provider.info.name, provider.info.notes


def username_hint(state: WizardState) -> str:
    from ..core.discovery.providers import match_domain, match_smtp_host

    domain = state.email.rpartition("@")[2]
    provider = match_domain(domain) if domain else None
    if provider is None and state.settings is not None:
        provider = match_smtp_host(state.settings.host)
    return provider.info.username_hint if provider else ""


def shown_diagnosis(diagnosis: Diagnosis, *, demo: bool) -> Diagnosis:
    """The diagnosis as the wizard shows it: the demo server delivers nothing, so it must not
    promise that the test message arrives."""
    if not demo or not diagnosis.ok:
        return diagnosis
    explanation = diagnosis.explanation.replace(
        "it should arrive within a minute.",
        "the demo server accepted it and keeps it: nothing is delivered.",
    )
    return replace(diagnosis, explanation=explanation)


def notes_html(name: str, notes: tuple[str, ...]) -> str:
    """'Good to know about <provider>:' and the notes as a list, escaped for a rich-text label
    (the notes come from our table or from a provider's document)."""
    if not notes:
        return ""
    import html  # here: html.entities is a big table the first pages never need

    heading = f"<b>Good to know about {html.escape(name)}:</b>" if name else "<b>Good to know:</b>"
    items = "".join(f"<li>{html.escape(note)}</li>" for note in notes)
    return f"{heading}<ul style='margin-left:-20px'>{items}</ul>"
