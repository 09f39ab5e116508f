"""The coverage gate on smtpwizard/core/: fails when statements or branches fall below the figures
measured when the gate was set. Raise them as tests improve; never lower them to let a change in.

Usage: coverage_gate.py [DATA_FILE]   (after pytest --cov has written .coverage)
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import coverage

# Percent of smtpwizard/core/, set from a measured run of the whole suite.
MIN_STATEMENTS = 95.0
MIN_BRANCHES = 90.0


def main(argv: list[str]) -> int:
    cov = coverage.Coverage(data_file=argv[0] if argv else ".coverage")
    cov.load()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "coverage.json"
        try:
            cov.json_report(outfile=str(out))
        except coverage.exceptions.NoDataError:
            print("coverage gate: no coverage data (was pytest run with --cov?)", file=sys.stderr)
            return 1
        totals = json.loads(out.read_text())["totals"]
    statements = float(totals["percent_statements_covered"])
    branches = float(totals["percent_branches_covered"])
    print(
        f"coverage of smtpwizard/core/: statements {statements:.1f}% (gate {MIN_STATEMENTS}%), "
        f"branches {branches:.1f}% (gate {MIN_BRANCHES}%)"
    )
    if statements < MIN_STATEMENTS or branches < MIN_BRANCHES:
        print("coverage gate: below the gate; test what the change left uncovered", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
