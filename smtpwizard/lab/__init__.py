"""The built-in demo mail server: real SMTP servers on loopback (STARTTLS and SSL/TLS).

No Qt here: `smtpwizard demo`, `demo-server` and the GUI's --demo use it. The tests start the
same Lab with their own catalogue of good, provider-like and hostile servers (tests/labkit/).
"""

from .lab import DEFAULT_USERNAME, Lab, LabEndpoint
from .records import AuthAttempt, ReceivedMessage
from .scenarios import DEMO_SCENARIOS, Scenario

__all__ = [
    "DEFAULT_USERNAME",
    "DEMO_SCENARIOS",
    "AuthAttempt",
    "Lab",
    "LabEndpoint",
    "ReceivedMessage",
    "Scenario",
]
