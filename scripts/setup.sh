#!/usr/bin/env bash
# Installs everything smtpwizard needs on Debian: system packages (apt-get, as root) and a
# virtual environment in .venv with the pinned Python packages. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

extras="${1:-}"
lists=(scripts/apt-packages.txt)
[ -n "$extras" ] && lists+=(scripts/apt-packages-test.txt)
mapfile -t wanted < <(cat "${lists[@]}" | grep -vE '^\s*(#|$)')
missing=()
for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if [ "$(id -u)" = 0 ]; then
        echo "setup: installing system packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "setup: these system packages are missing; please run:" >&2
        echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
base=.venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)
stamp=$base$extras
# An install with the test extras also holds everything the program itself needs.
if [ ! -f "$stamp" ] && ! { [ -z "$extras" ] && [ -f "${base}test" ]; }; then
    echo "setup: installing the Python packages into .venv"
    target="."
    [ -n "$extras" ] && target=".[$extras]"
    log=$(mktemp)
    # pip's notices are noise on success; on failure the whole log is shown.
    if ! { .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip &&
           .venv/bin/python -m pip install -q --disable-pip-version-check -e "$target"; } >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        echo "setup: installing the Python packages failed (see above)" >&2
        exit 1
    fi
    rm -f "$log"
    rm -f .venv/.installed-*
    touch "$stamp"
fi
if [ -f scripts/setup-extra.sh ] && [ -n "$extras" ]; then
    bash scripts/setup-extra.sh
fi
