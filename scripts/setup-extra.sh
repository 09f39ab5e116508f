#!/usr/bin/env bash
# Extra setup for the test extras (called by scripts/setup.sh): the consumers that read our
# exports in tests/exporters/. Quiet, idempotent, and never prompts.
set -euo pipefail
cd "$(dirname "$0")/.."

# Postfix (only its postconf is used by the tests) must not ask which mail setup to use, nor start
# a daemon: preseed debconf with "No configuration" before installing it.
if ! dpkg-query -W -f='${Status}' postfix 2>/dev/null | grep -q "install ok installed"; then
    if [ "$(id -u)" = 0 ]; then
        echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
        install=(apt-get install -y -qq --no-install-recommends postfix)
        if ! DEBIAN_FRONTEND=noninteractive "${install[@]}" >/dev/null 2>&1; then
            apt-get update -qq  # a fresh machine may have no package lists yet
            DEBIAN_FRONTEND=noninteractive "${install[@]}" >/dev/null
        fi
    else
        echo "setup-extra: postfix is missing; please run (it will ask nothing with this preseed):" >&2
        echo "  echo 'postfix postfix/main_mailer_type select No configuration' | sudo debconf-set-selections" >&2
        echo "  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y postfix" >&2
        exit 1
    fi
fi

# Exim for tests/realservers/: Debian's exim4 packages conflict with postfix, so the daemon is
# unpacked from its .deb into the venv (never installed, never configured in /etc) and runs
# with its own configuration. Its binary looks up the Debian-exim user at start-up.
exim_dir=.venv/opt/exim4
exim_version=$(apt-cache policy exim4-daemon-light 2>/dev/null | awk '/Candidate:/ {print $2}')
if [ -z "$exim_version" ] || [ "$exim_version" = "(none)" ]; then
    echo "setup-extra: apt knows no exim4-daemon-light (run apt-get update); Exim tests will fail" >&2
elif [ ! -f "$exim_dir/.version-$exim_version" ]; then
    debs=$(mktemp -d)
    chmod 755 "$debs"
    # apt-get download as root fetches as _apt, which must be able to write there.
    if id _apt >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then chown _apt "$debs"; fi
    (cd "$debs" && apt-get download -qq "exim4-daemon-light=$exim_version" >/dev/null)
    rm -rf "$exim_dir"
    mkdir -p "$exim_dir"
    dpkg -x "$debs"/exim4-daemon-light_*.deb "$exim_dir"
    chmod u-s "$exim_dir/usr/sbin/exim4"  # the tests run it as root; no set-uid copy lying around
    rm -rf "$debs"
    touch "$exim_dir/.version-$exim_version"
fi
if ! id Debian-exim >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        adduser --system --group --quiet --allow-bad-names --no-create-home \
            --home /nonexistent Debian-exim
    else
        echo "setup-extra: the Debian-exim user is missing (Exim tests need it); as root run:" >&2
        echo "  adduser --system --group --allow-bad-names --no-create-home Debian-exim" >&2
    fi
fi

# Nodemailer (tests/exporters/node) and the OpenID Connect provider oidc-provider (tests/oauth/node),
# pinned by their package-lock.json files; each reinstalled when its lock changes.
if ! command -v npm >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "setup-extra: installing Node.js and npm (Debian packages) for the Nodemailer tests"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if command -v npm >/dev/null; then
    for node_dir in tests/exporters/node tests/oauth/node; do
        lock_sum=$(sha256sum "$node_dir/package-lock.json" | cut -c1-16)
        stamp="$node_dir/node_modules/.smtpwizard-$lock_sum"
        if [ ! -f "$stamp" ]; then
            npm ci --prefix "$node_dir" --no-audit --no-fund --loglevel=error >/dev/null
            touch "$stamp"
        fi
    done
else
    echo "setup-extra: npm is missing (Debian: apt-get install nodejs npm); Nodemailer and OAuth2 tests will fail" >&2
fi

# OpenSMTPD's own config checker (smtpd -n) reads the smtpd.conf export. The package would
# replace Postfix as the machine's mail server, so only its files are unpacked, never installed.
smtpd_dir=tests/exporters/.opensmtpd
if [ ! -x "$smtpd_dir/usr/sbin/smtpd" ]; then
    tmp=$(mktemp -d)
    if (cd "$tmp" && apt-get download -qq opensmtpd >/dev/null 2>&1) ||
        { [ "$(id -u)" = 0 ] && apt-get update -qq && (cd "$tmp" && apt-get download -qq opensmtpd >/dev/null); }; then
        mkdir -p "$smtpd_dir"
        dpkg-deb -x "$tmp"/opensmtpd_*.deb "$smtpd_dir"
    else
        echo "setup-extra: could not download opensmtpd (apt-get download); its test will fail" >&2
    fi
    rm -rf "$tmp"
fi
