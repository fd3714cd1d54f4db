#!/usr/bin/env bash
# A short fuzzing pass over every target (FUZZ_SECONDS each, default 30), with
# AddressSanitizer, seeded from the vectors. Prints each target's executions.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/tools.sh
ensure_cargo_tool cargo-fuzz cargo-fuzz 0.13.2 --locked
seconds="${FUZZ_SECONDS:-30}"
python3 fuzz/seed_corpus.py > /dev/null
cd fuzz
export RUSTC_BOOTSTRAP=1
build_log=$(mktemp)
cargo fuzz build -O > "$build_log" 2>&1 || { tail -40 "$build_log"; echo "error: cargo fuzz build failed" >&2; exit 1; }
rm -f "$build_log"
for target in $(cargo fuzz list); do
  log=$(mktemp)
  if ! cargo fuzz run -O "$target" -- -max_total_time="$seconds" -print_final_stats=1 > "$log" 2>&1; then
    tail -40 "$log"
    echo "error: fuzz target $target failed (artifacts in fuzz/artifacts/$target)" >&2
    exit 1
  fi
  printf "%-18s %12s executions in %ss\n" "$target" "$(awk '/stat::number_of_executed_units/ { print $2 }' "$log")" "$seconds"
  rm -f "$log"
done
