"""The live check: connect, secure, greet, sign in and optionally send, step by step, explained.

`run_check` is the one entry point; what it returns and reports is re-exported here. Inside:
run.py orders the conversation, connect.py finds the server and connects (also before a session
exists, for the probe), session.py holds one run's state and deadlines, secure.py does
TLS/STARTTLS and certificates, auth.py signs in, send.py sends the test message, failures.py
turns exceptions into diagnoses, side_probes.py makes the short side connections that tell a wrong
encryption mode apart, and transcript.py/tracing_smtp.py keep the redacted record.
"""

from .connect import Connection, ConnectStep
from .model import CheckOptions, CheckResult, ServerInfo, StepLimits, planned_steps
from .run import run_check, validate_for_wire
from .steps import STEP_LABELS, ProgressCallback, ProgressEvent, StepName, StepResult, StepStatus
from .transcript import REDACTED

__all__ = [
    "REDACTED",
    "STEP_LABELS",
    "CheckOptions",
    "CheckResult",
    "ConnectStep",
    "Connection",
    "ProgressCallback",
    "ProgressEvent",
    "ServerInfo",
    "StepLimits",
    "StepName",
    "StepResult",
    "StepStatus",
    "planned_steps",
    "run_check",
    "validate_for_wire",
]
