#!/usr/bin/env bash
# Installs everything (system packages included) and runs every check: ruff, mypy (strict on
# core/), and pytest with the GUI offscreen and the keychain tests on a real Secret Service.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export QT_QPA_PLATFORM=offscreen PYTHONDONTWRITEBYTECODE=1
.venv/bin/ruff check smtpwizard tests bench scripts
.venv/bin/ruff format --check smtpwizard tests bench scripts
.venv/bin/mypy smtpwizard
exec scripts/with-keyring .venv/bin/python -m pytest -p no:cacheprovider -q "$@"
