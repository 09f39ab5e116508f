"""Errors a person can act on: each carries a plain message (and a field name where it helps)."""

from __future__ import annotations


class SmtpWizardError(Exception):
    """Base of every error smtpwizard raises on purpose."""


class InputError(SmtpWizardError, ValueError):
    """Something the user typed or passed cannot be used; the message says why and what to do."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
