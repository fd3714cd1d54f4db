#!/usr/bin/env bash
# The JVM package and uniffi: build the JAR with bindings/kotlin/package.sh
# (generated classes + the per-call path in dev.licman + the native library
# as a resource), then, with only that JAR, JNA and the Kotlin standard
# library on the class path (no library path: the JAR loads its own
# native library), run the Kotlin test (vectors, scenarios, the per-call
# path against the generated API, the lease client against a real seat
# server) and the plain-Java test, and the per-call
# benchmark. The Swift sources are generated and checked for shape.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/tools.sh
ensure_apt libjna-java
ensure_node_tools
need java "java (17 or later) is needed to run the Kotlin test"
need javac "javac (a JDK, 17 or later) is needed for the Java test"

# The lease client's test starts a real seat server.
cargo build --locked -q -p licman-seats --bin licman-seats
export LICMAN_SEATS_BIN="$(realpath "$T/debug/licman-seats")"

jna=/usr/share/java/jna.jar
stdlib=bindings/tools/node_modules/kotlin-compiler/lib/kotlin-stdlib.jar
JNA_JAR="$jna" bash bindings/kotlin/package.sh target/dist/kotlin
jar_file=$(ls target/dist/kotlin/licman-*.jar)

rm -rf target/uniffi
$T/release/uniffi-bindgen generate --no-format --library $T/release/liblicman_ffi.so \
  --language swift --out-dir target/uniffi/swift >/dev/null
test -s target/uniffi/swift/Licman.swift && test -s target/uniffi/swift/LicmanFFI.h
grep -q "enum LicmanError" target/uniffi/swift/Licman.swift
echo "generated: $(wc -l < target/uniffi/swift/Licman.swift) lines of Swift"

# A clean environment: a directory with the JAR and its two dependencies.
env_dir=target/kotlin-test
rm -rf "$env_dir"
mkdir -p "$env_dir"
cp "$jar_file" "$jna" "$stdlib" "$env_dir/"
classpath="$env_dir/$(basename "$jar_file"):$env_dir/jna.jar:$env_dir/kotlin-stdlib.jar"
bindings/tools/node_modules/kotlin-compiler/bin/kotlinc -nowarn -cp "$classpath" \
  bindings/kotlin/tests/LicmanTest.kt bindings/kotlin/tests/PerCallTest.kt bindings/kotlin/tests/SeatsTest.kt \
  bindings/kotlin/bench/LicmanBench.kt \
  -d "$env_dir/tests.jar" 2>&1 | grep -v '^warning:' || true
test -s "$env_dir/tests.jar"
java -cp "$env_dir/tests.jar:$classpath" LicmanTestKt .
java -cp "$classpath" bindings/kotlin/tests/JavaTest.java .
# The per-call benchmark (figures in docs/PERFORMANCE.md) must keep running.
java -cp "$env_dir/tests.jar:$classpath" LicmanBench . > /dev/null
