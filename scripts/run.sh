#!/usr/bin/env bash
# Installs smtpwizard and runs it against the built-in demo server (or the server you name:
# scripts/run.sh check --host smtp.example.com --port 587 --security starttls --user you@example.com).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ $# -eq 0 ]; then
    exec .venv/bin/smtpwizard demo
fi
exec .venv/bin/smtpwizard "$@"
