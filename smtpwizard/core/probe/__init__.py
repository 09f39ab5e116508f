"""Probing: which ports and encryption modes of a server work, tried in parallel and ranked.

ports.py runs the probe over one host's ports (or discovered candidates), outcome.py turns one
attempt into a port's verdict, model.py holds the options and results, and search.py is the
discover-then-probe search that the wizard and `smtpwizard discover` share.
"""

from .model import (
    Attempt,
    PortReport,
    PortStatus,
    ProbeOptions,
    ProbeResult,
    ProbeTarget,
    Recommendation,
)
from .ports import ProbeRun
from .search import FoundServer, ServerSearch, candidate_to_dict, find_server
from .targets import probe_candidates, probe_host, targets_for_candidates

__all__ = [
    "Attempt",
    "FoundServer",
    "PortReport",
    "PortStatus",
    "ProbeOptions",
    "ProbeResult",
    "ProbeRun",
    "ProbeTarget",
    "Recommendation",
    "ServerSearch",
    "candidate_to_dict",
    "find_server",
    "probe_candidates",
    "probe_host",
    "targets_for_candidates",
]
