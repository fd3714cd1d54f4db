#!/usr/bin/env bash
# Every test in the repository. `make test` runs this; so does CI (.ci/run).
# Installs what it needs when it is missing, and prints each step's time.
set -euo pipefail
cd "$(dirname "$0")/.."

step_start=0
step() {
  step_end
  echo
  echo "==> $*"
  step_name="$*"
  step_start=$(date +%s)
}
step_end() {
  if [ "$step_start" != 0 ]; then
    echo "    ($step_name: $(( $(date +%s) - step_start ))s)"
  fi
}
trap 'step_end; echo; echo "FAILED: $step_name"' ERR
total_start=$(date +%s)

step "toolchain targets (wasm32, no_std)"
installed=$(rustup target list --installed)
for target in wasm32-unknown-unknown thumbv7em-none-eabi; do
  if ! grep -qx "$target" <<<"$installed"; then
    rustup target add "$target"
  fi
done

step "format"
cargo fmt --all -- --check

step "clippy (all targets, all features, warnings are errors)"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

step "PostgreSQL for the seat store's and the ledger's tests (a throwaway server on 127.0.0.1, stopped on exit)"
# shellcheck source=.ci/postgres.sh
source .ci/postgres.sh
pg_start

step "tests and doctests (the seat store's suite on SQLite and on PostgreSQL)"
cargo test --workspace --all-features --locked

step "the keygen suite again, its ledger on PostgreSQL"
LICMAN_KEYGEN_TEST_LEDGER=postgres cargo test -p licman-keygen --all-features --locked --test cli

step "the seat server's API document against the running server (schemathesis)"
bash .ci/api.sh

step "the seat server's dashboard in headless Chromium (playwright-core)"
bash .ci/dashboard.sh

step "rustdoc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features --locked --quiet

step "licman-core without std (thumbv7em-none-eabi): verify-only, with signing, with the seat engine"
cargo build -p licman-core --locked --target thumbv7em-none-eabi --no-default-features
cargo build -p licman-core --locked --target thumbv7em-none-eabi --features sign
cargo build -p licman-core --locked --target thumbv7em-none-eabi --no-default-features --features seats

step "licman-core for wasm32-unknown-unknown (with the seat engine)"
cargo build -p licman-core --locked --target wasm32-unknown-unknown --release --features seats

step "Python binding: wheels, pytest, mypy, stubtest"
bash .ci/python.sh

step "C ABI: cbindgen header, C test under valgrind"
bash .ci/c.sh

step "uniffi: Kotlin test (kotlinc + JNA), Swift sources generated"
bash .ci/kotlin.sh

step "WebAssembly: Node and bundler packages, node --test, tsc"
bash .ci/wasm.sh

step "benchmarks compile (criterion suite, callgrind runner)"
cargo bench -p licman-benches --locked --no-run --quiet

step "instruction budgets (callgrind): hot paths, verify ≤ 1.02× the floor"
bash benches/instruction_budget.sh

step "fuzzing: every target for ${FUZZ_SECONDS:-30}s, AddressSanitizer, two at a time"
bash .ci/fuzz.sh

step "keygen walkthrough (docs/KEYGEN.md, as written)"
bash .ci/walkthrough.sh > /dev/null

step "seats walkthrough (docs/SEATS.md, as written)"
bash .ci/walkthrough.sh docs/SEATS.md > /dev/null

step "conformance vectors and the JSON catalog regenerate identically"
cargo run -q -p licman-vectors --locked -- testdata/vectors
# The JSON form of the example catalog (what the WebAssembly package reads).
cargo run -q -p licman-keygen --locked -- catalog export examples/catalogs/netaudit.toml > examples/catalogs/netaudit.json
git diff --exit-code -- testdata/vectors testdata/fixtures testdata/seats examples/catalogs/netaudit.json
untracked=$(git ls-files --others --exclude-standard -- testdata/vectors testdata/fixtures testdata/seats)
if [ -n "$untracked" ]; then
  echo "vectors not checked in: $untracked"
  false
fi

step_end
echo
echo "all checks passed in $(( $(date +%s) - total_start ))s"
