#!/usr/bin/env bash
# `licman-keygen issue --batch` of 10,000 rows (an encrypted key, the
# ledger, a results file), three runs, beside the sign+verify floor in the
# same run: `make bench-keygen` (figures in docs/PERFORMANCE.md). With
# LICMAN_TEST_PG set (a server, as .ci/postgres.sh starts), also with the
# ledger on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
T="${CARGO_TARGET_DIR:-target}"
cargo build --release --locked -q -p licman-keygen -p licman-benches --bin licman-keygen --bin sign-floor
keygen="$(realpath "$T/release/licman-keygen")"
catalog="$PWD/examples/catalogs/netaudit.toml"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
python3 - <<'PY'
import csv
with open("customers.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["customer_id", "email", "tier"])
    for i in range(10_000):
        w.writerow([f"cust-{i}", f"c{i}@example.com", ["starter", "professional", "enterprise"][i % 3]])
PY
export LICMAN_PASSPHRASE="a passphrase for the benchmark"
"$keygen" keypair --out-dir keys --name k > /dev/null
echo "== licman-keygen issue --batch, 10,000 rows (encrypted key: Argon2id 64 MiB, 3 passes), ledger and results file"
for run in 1 2 3; do
  rm -f results.csv ledger.db*
  start=$(date +%s.%N)
  "$keygen" issue --batch customers.csv --secret-key keys/k.secret --catalog "$catalog" \
    --valid-for 1y --out results.csv --ledger ledger.db 2> /dev/null
  end=$(date +%s.%N)
  rows=$(($(wc -l < results.csv) - 1))
  echo "run $run: $(python3 -c "print(f'{$end - $start:.3f}')") s, $rows rows"
done
if [ -n "${LICMAN_TEST_PG:-}" ]; then
  echo "== the same with the ledger on PostgreSQL ($LICMAN_TEST_PG, a fresh database each run)"
  for run in 1 2 3; do
    psql -q "$LICMAN_TEST_PG/postgres" -c 'SET client_min_messages = warning' \
      -c 'DROP DATABASE IF EXISTS licman_bench' -c 'CREATE DATABASE licman_bench'
    rm -f results.csv
    start=$(date +%s.%N)
    "$keygen" issue --batch customers.csv --secret-key keys/k.secret --catalog "$catalog" \
      --valid-for 1y --out results.csv --ledger "$LICMAN_TEST_PG/licman_bench" 2> /dev/null
    end=$(date +%s.%N)
    rows=$(($(wc -l < results.csv) - 1))
    echo "run $run: $(python3 -c "print(f'{$end - $start:.3f}')") s, $rows rows"
  done
fi
echo "== the floor, same run"
"$(dirname "$keygen")/sign-floor" 10000
