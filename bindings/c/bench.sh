#!/usr/bin/env bash
# Per-call cost of the C ABI (figures in docs/PERFORMANCE.md):
#   bash bindings/c/bench.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
T="${CARGO_TARGET_DIR:-target}"
cargo build --release --locked -q -p licman-ffi
mkdir -p target/c-test
gcc -std=c11 -Wall -Wextra -Werror -O2 -I bindings/c/include -I bindings/c/support bindings/c/bench/bench_licman.c \
  "$T/release/liblicman_ffi.a" -lcjson -lpthread -ldl -lm -o target/c-test/bench_licman
target/c-test/bench_licman .
