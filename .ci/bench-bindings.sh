#!/usr/bin/env bash
# Per-call figures of every binding, one after another in one run (the
# figures in docs/PERFORMANCE.md "Bindings"): `make bench-bindings`.
# Builds what is missing (the JAR, the Python venv, the wasm package).
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/tools.sh
ensure_node_tools

echo "== C ABI (bindings/c/bench.sh)"
bash bindings/c/bench.sh

echo
echo "== Kotlin/JVM (bindings/kotlin/bench/LicmanBench.kt, the JAR)"
bash bindings/kotlin/package.sh target/dist/kotlin > /dev/null
jar_file=$(ls target/dist/kotlin/licman-*.jar)
classpath="$jar_file:/usr/share/java/jna.jar:bindings/tools/node_modules/kotlin-compiler/lib/kotlin-stdlib.jar"
mkdir -p target/kotlin-bench
bindings/tools/node_modules/kotlin-compiler/bin/kotlinc -nowarn -cp "$classpath" \
  bindings/kotlin/tests/LicmanTest.kt bindings/kotlin/tests/PerCallTest.kt bindings/kotlin/tests/SeatsTest.kt \
  bindings/kotlin/bench/LicmanBench.kt \
  -d target/kotlin-bench/bench.jar 2>&1 | grep -v '^warning:' || true
java -cp "target/kotlin-bench/bench.jar:$classpath" LicmanBench .

echo
echo "== Python (bindings/python/bench.py --native, the cp310-abi3 wheel)"
venv=target/python-bench
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "maturin>=1.9,<2"
fi
MATURIN="$venv/bin/maturin" bash bindings/python/package.sh target/dist/python > /dev/null
"$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-index --find-links target/dist/python licman
(cd bindings/python && "../../$venv/bin/python" bench.py --native)

echo
echo "== WebAssembly in Node (bindings/wasm/bench.mjs)"
[ -f target/wasm-pkg/node.mjs ] || bash .ci/wasm.sh > /dev/null
node bindings/wasm/bench.mjs
