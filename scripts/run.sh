#!/usr/bin/env bash
# Installs smtpwizard and opens the wizard on the built-in demo server.
# With arguments, runs that smtpwizard command instead, e.g.
#   scripts/run.sh check --host smtp.example.com --port 587 --security starttls --user you@example.com
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ $# -gt 0 ]; then
    exec .venv/bin/smtpwizard "$@"
fi
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    exec .venv/bin/smtpwizard gui --demo
fi
echo "run: no screen here (DISPLAY is not set), so instead of the wizard window this runs"
echo "run: the same live test on the command line against the built-in demo server."
echo
exec .venv/bin/smtpwizard demo
