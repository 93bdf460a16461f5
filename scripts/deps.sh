#!/usr/bin/env bash
# Installs what the build needs, idempotently. Safe to run repeatedly; each
# step does nothing when its tool is already there.
set -euo pipefail

if ! command -v cargo >/dev/null 2>&1; then
    echo "deps: cargo is required (install Rust with rustup)" >&2
    exit 1
fi

# The browser client is compiled for wasm32; add the target when missing.
if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown || echo "deps: could not add wasm32-unknown-unknown (offline?); the UI check will be skipped" >&2
fi

# The dashboard's browser tests drive Debian's chromium through chromedriver.
if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ]; then
    if command -v apt-get >/dev/null 2>&1; then
        sudo_cmd=""
        [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
        $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver \
            || { $sudo_cmd apt-get update && $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; } \
            || echo "deps: could not install chromium and chromium-driver; the browser tests will fail" >&2
    else
        echo "deps: no apt-get; install chromium and chromedriver for the browser tests" >&2
    fi
fi

# --source nats / --publish nats are tested against Debian's nats-server.
if ! [ -x /usr/sbin/nats-server ] && command -v apt-get >/dev/null 2>&1; then
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y nats-server \
        || echo "deps: could not install nats-server; the NATS test will fail" >&2
fi
