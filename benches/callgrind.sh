#!/usr/bin/env bash
# Instruction counts (callgrind) of each benchmarked operation: repeatable
# where wall-clock time drifts. Each op runs 1 and 101 times; the
# difference / 100 is the cost of one op, with set-up cancelled out.
#   bash benches/callgrind.sh [OPERATION...]    (default: all, as `ops list` prints them)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -q -p licman-benches --bin ops
ops_bin="${CARGO_TARGET_DIR:-target}/release/ops"
ops=("$@")
if [ ${#ops[@]} -eq 0 ]; then
  mapfile -t ops < <("$ops_bin" list)
fi
count() { # count OP N -> total instructions
  local out
  out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file="$out" "$ops_bin" "$1" "$2" >/dev/null 2>&1
  awk '/^summary:/ { print $2 }' "$out"
  rm -f "$out"
}
printf "%-24s %14s\n" operation "instructions"
for op in "${ops[@]}"; do
  one=$(count "$op" 1)
  many=$(count "$op" 101)
  printf "%-24s %14.1f\n" "$op" "$(echo "($many - $one) / 100" | bc -l)"
done
