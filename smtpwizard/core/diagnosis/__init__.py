"""Turning what happened into one stable code with plain words and, where we know it, a fix.

The check engine decides *where* it failed; this module decides *what it means*. Server replies
are recognised by their enhanced status codes and provider-specific texts
(../shared/reference/smtp-failures.md lists the real ones).
"""

from __future__ import annotations

from .model import Diagnosis, DiagnosisContext, make, shorten
from .replies import classify_reply, enhanced_status
from .rules import THROTTLE_SILENT, describe_size

__all__ = [
    "THROTTLE_SILENT",
    "Diagnosis",
    "DiagnosisContext",
    "classify_reply",
    "describe_size",
    "enhanced_status",
    "make",
    "shorten",
]
