#!/usr/bin/env bash
# Builds the Python packages of licman: two abi3 wheels (cp310-abi3, the
# fast one, and cp39-abi3) and the sdist, into $1 (default
# target/dist/python). Needs maturin on PATH or $MATURIN.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="$(realpath -m "${1:-target/dist/python}")"
maturin="${MATURIN:-maturin}"
rm -rf "$out"
mkdir -p "$out"
"$maturin" build --release --locked --quiet -m bindings/python/Cargo.toml -o "$out"
"$maturin" build --release --locked --quiet -m bindings/python/Cargo.toml --features abi3-py39 -o "$out"
"$maturin" sdist -m bindings/python/Cargo.toml -o "$out" >/dev/null
ls -l "$out"
