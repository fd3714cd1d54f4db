#!/usr/bin/env bash
# The seat store benchmark (docs/PERFORMANCE.md, "The seat store"): starts a
# throwaway PostgreSQL on 127.0.0.1, runs `seat-store` against it and
# SQLite beside pgbench, and stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=.ci/postgres.sh
source .ci/postgres.sh
pg_start
cargo build --release --locked -q -p licman-benches --bin seat-store
"${CARGO_TARGET_DIR:-target}/release/seat-store" --pg "$LICMAN_SEATS_TEST_PG" \
  --pgbench "$LICMAN_SEATS_TEST_PG_BIN/pgbench" --seconds "${SECONDS_PER_RUN:-8}"
