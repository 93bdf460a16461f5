#!/usr/bin/env bash
# Builds the dashboard into dist/ offline. Installs, when missing and only
# then, trunk 0.21.14 and the wasm-bindgen-cli matching Cargo.lock under
# $HOME/.cargo/bin (a fresh clone reuses them), and the npm packages
# (lightweight-charts, binaryen's wasm-opt) from web-ui/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/web-ui/node_modules/.bin:$PATH"
want_bg="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)"
if ! trunk --version 2>/dev/null | grep -q "0.21.14"; then
    cargo install --locked trunk --version 0.21.14
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q "$want_bg"; then
    cargo install --locked wasm-bindgen-cli --version "$want_bg" || cargo install wasm-bindgen-cli --version "$want_bg"
fi
rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
# Reinstall the npm packages only when the lockfile changed since the last install.
stamp=web-ui/node_modules/.sw-installed-lock
if [ ! -f "$stamp" ] || ! cmp -s web-ui/package-lock.json "$stamp"; then
    (cd web-ui && npm ci --no-audit --no-fund)
    cp web-ui/package-lock.json "$stamp"
fi
cargo fetch --locked
TRUNK_SKIP_VERSION_CHECK=true TRUNK_TOOLS_WASM_OPT=version_132 trunk build --release --offline --locked
echo "ui: built into dist/"
