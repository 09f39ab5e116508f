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
        # Servers the tests start privately (Dovecot, postgrey) must not start as system
        # daemons on install: policy-rc.d(8) exit 101 tells invoke-rc.d and deb-systemd-invoke
        # "not now". An existing policy (Docker images ship one) is left as it is.
        own_policy=""
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\n# smtpwizard setup: no daemon starts while packages install\nexit 101\n' \
                >/usr/sbin/policy-rc.d
            chmod 755 /usr/sbin/policy-rc.d
            own_policy=1
        fi
        trap 'if [ -n "$own_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi' EXIT
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        if [ -n "$own_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
        own_policy=""
        bash scripts/quiet-daemons.sh "${missing[@]}"
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
