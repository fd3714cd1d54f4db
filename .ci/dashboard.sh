#!/usr/bin/env bash
# The seat server's dashboard in a real headless browser: Debian's
# Chromium (installed here when missing) driven by playwright-core (npm,
# pinned in licman-seats/tests/browser/package-lock.json), against a real
# `licman-seats serve` that the test starts on 127.0.0.1 and stops.
# Screenshots of every tab: target/dashboard/*.png.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/tools.sh
ensure_apt chromium
need node "node is needed for the dashboard's browser test"
dir=licman-seats/tests/browser
if [ ! -d "$dir/node_modules/playwright-core" ]; then
  echo "installing playwright-core (npm ci)"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
cargo build -q -p licman-seats --locked
LICMAN_SEATS_BIN="$T/debug/licman-seats" node --test "$dir/"
ls target/dashboard/*.png
