#!/usr/bin/env bash
# Python binding: build the abi3 wheels with maturin, install each into a
# fresh virtual environment, run pytest (vectors, scenarios, bad inputs,
# threads, the example gateway), mypy --strict, and stubtest against the
# compiled module.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$PWD/target/python-ci"
rm -rf "$work"
mkdir -p "$work"

python3 -m venv "$work/tools"
"$work/tools/bin/pip" install --quiet --disable-pip-version-check "maturin>=1.9,<2"
maturin="$work/tools/bin/maturin"

# cp310-abi3 (the fast one: vectorcall) and cp39-abi3 (compatibility).
"$maturin" build --release --locked --quiet -m bindings/python/Cargo.toml -o "$work/wheels"
"$maturin" build --release --locked --quiet -m bindings/python/Cargo.toml --features abi3-py39 -o "$work/wheels-py39"
ls "$work"/wheels*/

for flavour in wheels wheels-py39; do
  venv="$work/venv-$flavour"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$work/$flavour"/licman-*.whl pytest "mypy>=1.10"
  echo "--- pytest ($flavour)"
  (cd bindings/python/tests && "$venv/bin/python" -m pytest -q -p no:cacheprovider)
done

venv="$work/venv-wheels"
echo "--- stubtest and mypy --strict"
(cd "$work" && "$venv/bin/python" -m mypy.stubtest licman)
(cd bindings/python/tests && MYPYPATH=../../../examples/python "$venv/bin/python" -m mypy --strict --cache-dir=/dev/null . ../../../examples/python)
