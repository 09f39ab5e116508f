#!/usr/bin/env bash
# Installs everything (system packages included) and runs every check: ruff, mypy (strict on
# core/), pytest with the GUI offscreen and the keychain tests on a real Secret Service, and the
# coverage gate on smtpwizard/core/ (scripts/coverage_gate.py; skipped with --no-cov, e.g. when
# running a subset: bash scripts/test.sh --no-cov tests/check).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export QT_QPA_PLATFORM=offscreen PYTHONDONTWRITEBYTECODE=1
.venv/bin/ruff check smtpwizard tests bench scripts
.venv/bin/ruff format --check smtpwizard tests bench scripts
.venv/bin/mypy smtpwizard
rm -f .coverage
scripts/with-keyring .venv/bin/python -m pytest -p no:cacheprovider -q --cov --cov-report= "$@"
case " $* " in
*" --no-cov "*) ;;
*) .venv/bin/python scripts/coverage_gate.py .coverage ;;
esac
