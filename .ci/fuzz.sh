#!/usr/bin/env bash
# Fuzzes every target, seeded from the vectors, two targets at a time (one
# per core), and prints each target's executions.
#
#   bash .ci/fuzz.sh                 # CI: FUZZ_SECONDS (default 30) each, AddressSanitizer
#   FUZZ_RUNS=10000000 FUZZ_SANITIZER=none bash .ci/fuzz.sh   # a campaign: that many executions each
#
# The corpus a run grows stays in fuzz/corpus/ (not committed), so campaigns
# add up. A crash stops the run with the target's output; the input is in
# fuzz/artifacts/TARGET/ and becomes a regression test next to the code.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/tools.sh
ensure_cargo_tool cargo-fuzz cargo-fuzz 0.13.2 --locked
seconds="${FUZZ_SECONDS:-30}"
runs="${FUZZ_RUNS:-}"
sanitizer="${FUZZ_SANITIZER:-address}"
# Its own target dir (fuzz/target unless CARGO_TARGET_DIR says otherwise): the
# sanitizer flags would invalidate the main build.
target_dir="${CARGO_TARGET_DIR:+$CARGO_TARGET_DIR-fuzz}"
target_dir="${target_dir:-$PWD/fuzz/target}"
python3 fuzz/seed_corpus.py > /dev/null
cd fuzz
export RUSTC_BOOTSTRAP=1
build_log=$(mktemp)
cargo fuzz build -O -s "$sanitizer" --target-dir "$target_dir" > "$build_log" 2>&1 || {
  tail -40 "$build_log"
  echo "error: cargo fuzz build failed" >&2
  exit 1
}
rm -f "$build_log"
if [ -n "$runs" ]; then limit=(-runs="$runs"); what="$runs runs"; else limit=(-max_total_time="$seconds"); what="${seconds}s"; fi

logs=$(mktemp -d)
run_one() { # run_one TARGET: fuzz it, log to $logs/TARGET, exit status in $logs/TARGET.status
  local target=$1 status=0 start=$SECONDS
  cargo fuzz run -O -s "$sanitizer" --target-dir "$target_dir" "$target" -- \
    "${limit[@]}" -print_final_stats=1 > "$logs/$target" 2>&1 || status=$?
  echo "$status" > "$logs/$target.status"
  echo $((SECONDS - start)) > "$logs/$target.seconds"
}
report() { # report TARGET
  local target=$1
  if [ "$(cat "$logs/$target.status")" != 0 ]; then
    tail -40 "$logs/$target"
    echo "error: fuzz target $target failed (the input is in fuzz/artifacts/$target/)" >&2
    exit 1
  fi
  printf "%-18s %12s executions in %5ss (%s, %s)\n" "$target" \
    "$(awk '/stat::number_of_executed_units/ { print $2 }' "$logs/$target")" \
    "$(cat "$logs/$target.seconds")" "$what" "$sanitizer"
}
mapfile -t targets < <(cargo fuzz list)
# Two at a time: a new target starts as soon as one finishes.
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n || true; done
  run_one "$target" &
done
wait
for target in "${targets[@]}"; do report "$target"; done
rm -rf "$logs"
