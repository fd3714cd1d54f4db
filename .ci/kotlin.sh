#!/usr/bin/env bash
# uniffi: generate the Kotlin and Swift sources from the built library (not
# committed), compile the Kotlin test with kotlinc and JNA, and run it.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/tools.sh
ensure_apt libjna-java
ensure_node_tools
need java "java (17 or later) is needed to run the Kotlin test"

cargo build --release --locked -q -p licman-ffi
cargo build --release --locked -q -p licman-ffi --features bindgen --bin uniffi-bindgen
rm -rf target/uniffi
for language in kotlin swift; do
  $T/release/uniffi-bindgen generate --no-format --library $T/release/liblicman_ffi.so \
    --language "$language" --out-dir "target/uniffi/$language" >/dev/null
done
test -s target/uniffi/kotlin/uniffi/licman/licman.kt
test -s target/uniffi/swift/licman.swift && test -s target/uniffi/swift/licmanFFI.h
grep -q "class LicmanException" target/uniffi/kotlin/uniffi/licman/licman.kt
grep -q "enum LicmanError" target/uniffi/swift/licman.swift
echo "generated: $(wc -l < target/uniffi/kotlin/uniffi/licman/licman.kt) lines of Kotlin, $(wc -l < target/uniffi/swift/licman.swift) lines of Swift"

jna=/usr/share/java/jna.jar
mkdir -p target/kotlin-test
rm -f target/kotlin-test/test.jar
bindings/tools/node_modules/kotlin-compiler/bin/kotlinc -nowarn -cp "$jna" \
  target/uniffi/kotlin/uniffi/licman/licman.kt bindings/kotlin/tests/LicmanTest.kt bindings/kotlin/bench/LicmanBench.kt \
  -include-runtime -d target/kotlin-test/test.jar 2>&1 | grep -v '^warning:' || true
test -s target/kotlin-test/test.jar
java -Djna.library.path=$T/release -cp "target/kotlin-test/test.jar:$jna" LicmanTestKt .
# The per-call benchmark (figures in docs/PERFORMANCE.md) must keep running.
java -Djna.library.path=$T/release -cp "target/kotlin-test/test.jar:$jna" LicmanBench . > /dev/null
