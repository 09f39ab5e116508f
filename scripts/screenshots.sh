#!/usr/bin/env bash
# Regenerates the README's screenshots: the wizard walks every page against the demo server
# (offscreen, with a private keychain) and saves one PNG per page in docs/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=docs/screenshots
rm -rf "$out.new"
QT_QPA_PLATFORM=offscreen SMTPWIZARD_COLOR_SCHEME=light \
    scripts/with-keyring .venv/bin/smtpwizard gui --demo --screenshots "$out.new"
rm -rf "$out" && mv "$out.new" "$out"
echo "screenshots: $(ls "$out" | wc -l) pictures in $out"
