"""Deliverability: will mail from this domain reach the inbox, and what to add to DNS if not.

check_deliverability() reads the domain's SPF (evaluated by pyspf for the SMTP server's
addresses), DKIM keys, DMARC, MTA-STS, TLS-RPT, MX and the server's reverse DNS, and writes the
copy-paste fix for each; receiver.py reads what a receiving server concluded about a message.
"""

from .mailbox import FetchedMessage, MailboxError, fetch_message
from .model import (
    Check,
    CheckId,
    DeliverabilityOptions,
    DeliverabilityReport,
    Fix,
    Status,
    Verdict,
)
from .receiver import ReceiverResult, ReceiverVerdict, read_verdict
from .run import check_deliverability, is_test_domain, verdict_of

__all__ = [
    "Check",
    "CheckId",
    "DeliverabilityOptions",
    "DeliverabilityReport",
    "FetchedMessage",
    "Fix",
    "MailboxError",
    "ReceiverResult",
    "ReceiverVerdict",
    "Status",
    "Verdict",
    "check_deliverability",
    "fetch_message",
    "is_test_domain",
    "read_verdict",
    "verdict_of",
]
