#!/usr/bin/env bash
# Python binding: build the packages (two abi3 wheels and the sdist) with
# bindings/python/package.sh, install each into a fresh virtual environment
# (the sdist builds from source there), and run pytest (vectors, scenarios,
# bad inputs, threads, the example gateway, the FastAPI/Django/Flask
# adapters, the lease client against a real seat server, the embedded
# seat store on SQLite and PostgreSQL, the package's metadata), mypy --strict over the package, the
# tests and the examples, and stubtest against the compiled module.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$PWD/target/python-ci"
rm -rf "$work"
mkdir -p "$work"
requirements="$PWD/bindings/python/tests/requirements.txt"
source .ci/tools.sh
# The lease client's tests start a real seat server.
cargo build --locked -q -p licman-seats --bin licman-seats
export LICMAN_SEATS_BIN="$(realpath "$T/debug/licman-seats")"

python3 -m venv "$work/tools"
"$work/tools/bin/pip" install --quiet --disable-pip-version-check "maturin>=1.9,<2"
MATURIN="$work/tools/bin/maturin" bash bindings/python/package.sh "$work/dist"

install() { # venv, what to install
  python3 -m venv "$1"
  "$1/bin/pip" install --quiet --disable-pip-version-check "$2[fastapi,django,flask]" -r "$requirements"
}
run_tests() { # venv, what it is
  echo "--- pytest ($2)"
  (cd bindings/python/tests && LICMAN_PACKAGE_KIND="$2" "$1/bin/python" -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning)
}
install "$work/venv-cp310" "$(ls "$work"/dist/licman-*-cp310-abi3-*.whl)"
run_tests "$work/venv-cp310" wheel
install "$work/venv-cp39" "$(ls "$work"/dist/licman-*-cp39-abi3-*.whl)"
run_tests "$work/venv-cp39" wheel
# The sdist builds from source with the Rust toolchain, as pip does it for
# a platform without a wheel.
install "$work/venv-sdist" "$(ls "$work"/dist/licman-*.tar.gz)"
run_tests "$work/venv-sdist" sdist

venv="$work/venv-cp310"
echo "--- stubtest and mypy --strict"
(cd "$work" && "$venv/bin/python" -m mypy.stubtest licman)
(cd bindings/python/python && "$venv/bin/python" -m mypy --strict --cache-dir=/dev/null licman)
(cd bindings/python/tests && MYPYPATH=../../../examples/python "$venv/bin/python" -m mypy --strict --cache-dir=/dev/null . ../../../examples/python)

echo "--- the README's install line, in a fresh environment"
python3 -m venv "$work/venv-readme"
"$work/venv-readme/bin/pip" install --quiet --disable-pip-version-check --no-index --find-links "$work/dist" licman
"$work/venv-readme/bin/python" -c 'import licman, licman.web; print("installed licman", licman.__version__)'
