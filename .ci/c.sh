#!/usr/bin/env bash
# C ABI: regenerate the header with cbindgen (it must match the checked-in
# one), compile the C test with gcc against the static library, and run it
# under valgrind: every vector and scenario, no leak, no invalid access.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/tools.sh
ensure_apt libcjson-dev valgrind
ensure_cargo_tool cbindgen cbindgen 0.29.4 --locked

cargo build --release --locked -q -p licman-ffi
cbindgen --quiet --config bindings/c/cbindgen.toml --crate licman-ffi --output bindings/c/include/licman.h bindings/ffi
git diff --exit-code -- bindings/c/include/licman.h || {
  echo "error: bindings/c/include/licman.h is stale: commit the regenerated header" >&2
  exit 1
}
mkdir -p target/c-test
gcc -std=c11 -Wall -Wextra -Werror -g -O1 -I bindings/c/include -I bindings/c/support bindings/c/tests/test_licman.c \
  $T/release/liblicman_ffi.a -lcjson -lpthread -ldl -lm -o target/c-test/test_licman
valgrind --quiet --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=99 \
  target/c-test/test_licman .
# The per-call benchmark must keep building and running (its figures are
# read by people, not asserted).
gcc -std=c11 -Wall -Wextra -Werror -O2 -I bindings/c/include -I bindings/c/support bindings/c/bench/bench_licman.c \
  $T/release/liblicman_ffi.a -lcjson -lpthread -ldl -lm -o target/c-test/bench_licman
target/c-test/bench_licman . > /dev/null
