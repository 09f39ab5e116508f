"""Real (and hostile) SMTP servers on loopback for tests, and the built-in demo server.

No Qt here: the CLI, the GUI's --demo and the tests all use it.
"""

from .lab import DEFAULT_USERNAME, Lab, LabEndpoint
from .records import AuthAttempt, ReceivedMessage
from .scenarios import SCENARIOS

__all__ = ["DEFAULT_USERNAME", "SCENARIOS", "AuthAttempt", "Lab", "LabEndpoint", "ReceivedMessage"]
