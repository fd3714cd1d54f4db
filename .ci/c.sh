#!/usr/bin/env bash
# C ABI: regenerate the header with cbindgen (it must match the checked-in
# one), compile the C test with gcc against the static library, and run it
# under valgrind: every vector and scenario, no leak, no invalid access.
# Then install the package (make install PREFIX=…) and build a C program
# (pkg-config, shared and static) and a Go program (cgo) against it.
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

# The installed package: `make install PREFIX=…` into an empty prefix, then
# a C program through pkg-config (shared, then static) and a Go program
# through cgo and pkg-config, each verifying a fixture license.
ensure_apt golang-go
prefix="$PWD/target/c-install"
rm -rf "$prefix"
make -s install PREFIX="$prefix"
readelf -d "$prefix/lib/liblicman.so" | grep -q 'SONAME.*\[liblicman.so.0.1\]'
grep -q '^#define LICMAN_VERSION_MAJOR' "$prefix/include/licman.h"
inputs="target/c-install-inputs"
mkdir -p "$inputs"
python3 - "$inputs" <<'PY'
import json, sys
f = json.load(open("testdata/fixtures/netaudit-licenses.json"))
open(f"{sys.argv[1]}/netaudit.pub", "w").write(f["public_key"])
open(f"{sys.argv[1]}/starter.lic", "w").write(f["licenses"]["starter"])
PY
args=(examples/catalogs/netaudit.toml "$inputs/netaudit.pub" "$inputs/starter.lic")
expect() { # output, what it must say
  grep -q "tier starter\|devices true" <<<"$1" && grep -q '"current_tier":"starter"' <<<"$1" || {
    echo "error: $2 said: $1" >&2
    exit 1
  }
}
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
gcc -std=c11 -Wall -Wextra -Werror bindings/c/examples/verify.c $(pkg-config --cflags --libs licman) -o target/c-test/verify-shared
expect "$(LD_LIBRARY_PATH="$prefix/lib" target/c-test/verify-shared "${args[@]}")" "the C program (shared)"
gcc -std=c11 -Wall -Wextra -Werror bindings/c/examples/verify.c $(pkg-config --cflags --libs licman-static) -o target/c-test/verify-static
if ldd target/c-test/verify-static | grep -q licman; then
  echo "error: the static program needs a shared licman" >&2
  exit 1
fi
expect "$(target/c-test/verify-static "${args[@]}")" "the C program (static)"
(cd bindings/c/go && go build -o "$PWD/../../../target/c-test/verify-go" .)
go_out=$(LD_LIBRARY_PATH="$prefix/lib" target/c-test/verify-go "${args[@]}")
expect "$go_out" "the Go program"
# A NUL in a Go string (URL.Path decodes %00) is refused, not cut off.
grep -q '^/login%00/audit-schedules: 400 invalid_path$' <<<"$go_out" || {
  echo "error: the Go program did not refuse a path with a NUL: $go_out" >&2
  exit 1
}
echo "installed package: C (shared, static) and Go (cgo) programs verified a license"
