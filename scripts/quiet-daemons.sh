#!/usr/bin/env bash
# After setup.sh installed packages: the test-only servers among them (Dovecot, postgrey) are
# not enabled as system services either. The tests run their own instances with private
# configuration; the system's copies would only hold ports and read /etc. Only packages named
# on the command line (the ones this setup just installed) are touched.
set -euo pipefail
for pkg in "$@"; do
    case "$pkg" in
        dovecot-core) service=dovecot ;;
        postgrey) service=postgrey ;;
        *) continue ;;
    esac
    if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
        systemctl disable --now "$service" >/dev/null 2>&1 || true
    elif command -v update-rc.d >/dev/null; then
        update-rc.d "$service" disable >/dev/null 2>&1 || true
    fi
done
