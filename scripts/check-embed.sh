#!/usr/bin/env bash
# A brand-new Rust project that depends on spreadwatch-engine by path builds
# and runs the embed example's code. Offline: it reuses the workspace's
# Cargo.lock (versions) and target directory (compiled dependencies).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/src"
cat >"$dir/Cargo.toml" <<TOML
[package]
name = "embed-check"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
spreadwatch-engine = { path = "$repo/engine" }
spreadwatch-proto = { path = "$repo/proto" }
tokio = { version = "1", features = ["full"] }

[workspace]
TOML
cp "$repo/engine/examples/embed.rs" "$dir/src/main.rs"
cp "$repo/Cargo.lock" "$dir/Cargo.lock"
cd "$dir"
SW_FEED="$repo/engine/tests/data/golden/feed_aggtrade.jsonl" \
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}" \
    cargo run -q --offline
echo "check-embed: a new project built and ran the embed example"
