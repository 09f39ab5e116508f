"""Tools for support desks: the report a customer sends, presets, and batch verification.

report.py builds the versioned report of one check (docs/report-format.md), report_html.py and
report_text.py show it as a self-contained web page and as plain text.
"""

from .report import (
    FORMAT,
    VERSION,
    DeskContact,
    build_report,
    load_report,
    report_paths,
    write_report,
)
from .report_html import render_html

__all__ = [
    "FORMAT",
    "VERSION",
    "DeskContact",
    "build_report",
    "load_report",
    "render_html",
    "report_paths",
    "write_report",
]
