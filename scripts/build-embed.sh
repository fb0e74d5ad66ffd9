#!/usr/bin/env bash
# Builds and tests what embeds escalate (issue 14), installing the tools it needs:
#   1. the library alone for wasm32-unknown-unknown (rustup target add);
#   2. bindings/wasm with the wasm-bindgen CLI of exactly the crate's version (cargo install),
#      into web/pkg (the playground) and bindings/wasm/pkg-node, and its Node test;
#   3. the Python package (pip install ./bindings/python, maturin from PyPI) in a virtual
#      environment, and pytest;
#   4. the playground in headless Chromium (apt-get install chromium; npm ci playwright-core).
# usage: scripts/build-embed.sh [--build-only]   (needs target/release/escalate for step 3)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build_only=${1:-}
step() { echo "== embed: $*"; }

step "the library alone builds for wasm32-unknown-unknown"
rustup target add wasm32-unknown-unknown
cargo build --quiet --no-default-features --lib --target wasm32-unknown-unknown

step "the wasm bindings"
want=$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' bindings/wasm/Cargo.toml)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  step "installing wasm-bindgen-cli $want (was: ${have:-none})"
  cargo install --quiet wasm-bindgen-cli --version "=$want"
fi
cargo build --quiet -p escalate-wasm --release --target wasm32-unknown-unknown
wasm=target/wasm32-unknown-unknown/release/escalate_wasm.wasm
rm -rf web/pkg bindings/wasm/pkg-node
wasm-bindgen --target no-modules --no-typescript --out-dir web/pkg "$wasm"
wasm-bindgen --target nodejs --no-typescript --out-dir bindings/wasm/pkg-node "$wasm"
# The page loads the module from scripts, not by fetching it, so it works from a file share.
python3 scripts/playground-assets.py web/pkg
rm web/pkg/escalate_wasm_bg.wasm
du -sh web/pkg | sed 's/^/   web\/pkg: /'

if [ "$build_only" = "--build-only" ]; then exit 0; fi

step "the wasm API under Node (conformance cases 01-03)"
node --test bindings/wasm/tests/

step "the Python package, in a virtual environment"
venv=target/embed-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet pytest pandas
# Builds with maturin from the package registry, as the README's install command does.
CARGO_TARGET_DIR="$root/target" "$venv/bin/pip" install --quiet --force-reinstall --no-deps ./bindings/python
ESCALATE_BIN="$root/target/release/escalate" "$venv/bin/python" -m pytest -q bindings/python/tests

step "the playground in headless Chromium"
if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM:-}" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
(cd web/tests && npm ci --no-audit --no-fund --silent && node --test)
echo "   screenshots: target/playground-test/"
