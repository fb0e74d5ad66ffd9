#!/usr/bin/env bash
# Builds the release binary, writes target/report.html (the HTML backtest of the bundled
# out-of-hours policy, 2025-10 to 2026-10) and screenshots it with headless Chromium into
# docs/backtest-report.png. Needs Debian's `chromium` (apt-get install -y chromium).
#
# Usage: scripts/screenshot-report.sh [extra backtest options, e.g. --subject gp05]
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet
target/release/escalate backtest policies/ooh_callbacks.policy \
  --data examples/data/ooh --from 2025-10 --to 2026-10 \
  --format html --out target/report.html "$@"

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "error: chromium not found; install it with: apt-get install -y chromium" >&2
  exit 1
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --window-size=1400,2400 \
  --screenshot=docs/backtest-report.png "file://$PWD/target/report.html"
echo "wrote docs/backtest-report.png"
