#!/usr/bin/env bash
# The HTML backtest report in headless Chromium: writes the report of the bundled out-of-hours
# policy (2025-10 to 2026-10), checks in the browser that no chart labels overlap, that a rule's
# thresholds are drawn only for the subjects it applies to, that legends name rules by their
# titles and that markers are large enough (tests/browser/report.test.mjs), and keeps a
# screenshot in target/browser/backtest-report.png.
#
# Installs what it needs when missing: Debian's `chromium` (apt-get) and playwright-core
# (npm ci, from tests/browser/package-lock.json). Expects target/release/escalate built.
#
# Usage: scripts/report-browser-test.sh [--update-docs]   (--update-docs: also copy the
# screenshot to docs/backtest-report.png)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null; then
  echo "installing chromium (Debian package)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
(cd tests/browser && npm ci --no-audit --no-fund --silent)

out=target/browser
mkdir -p "$out"
rm -f "$out/report.html"
target/release/escalate backtest policies/ooh_callbacks.policy \
  --data examples/data/ooh --from 2025-10 --to 2026-10 \
  --format html --out "$out/report.html"

ESCALATE_REPORT="$PWD/$out/report.html" ESCALATE_SCREENSHOT="$PWD/$out/backtest-report.png" \
  CHROMIUM="$(command -v chromium)" node --test tests/browser/
echo "screenshot: $out/backtest-report.png"
if [ "${1:-}" = "--update-docs" ]; then
  cp "$out/backtest-report.png" docs/backtest-report.png
  echo "copied to docs/backtest-report.png"
fi
