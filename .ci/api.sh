#!/usr/bin/env bash
# The OpenAPI document of `licman-seats serve` checked against the running
# server by a property-based API tester (schemathesis, from PyPI): every
# operation fuzzed from the document itself; no response may be a 5xx, and
# every response's status, content type and body must be the document's.
# The server runs over a throwaway SQLite store on 127.0.0.1 and is stopped
# on exit.
#   bash .ci/api.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-${API_FUZZ_SECONDS:-60}}
version=4.32.5
venv="${XDG_CACHE_HOME:-$HOME/.cache}/licman-ci/schemathesis-$version"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$version"; then
  echo "installing schemathesis $version (pip, a venv under $venv)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

cargo build -q -p licman-seats --locked
bin="${CARGO_TARGET_DIR:-target}/debug/licman-seats"
work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

db="$work/seats.db"
seats() { "$bin" --db "$db" --actor ci "$@" > /dev/null; }
# Something to find: pools of both kinds, users, a seat, a rule, a link.
seats pool create --name Figma --vendor Figma --capacity 5 --cost 15.00
seats pool create --name CAD --vendor Autodesk --capacity 3 --type concurrent
for u in ada bob carol; do seats user add "$u" --email "$u@example.com"; done
seats assign Figma ada
seats rule add Figma --inactivity 90
seats link add Figma design --priority 1

tokens="$work/tokens.toml"
: > "$tokens"
new_token() { # new_token NAME ROLE [ARGS...]: prints the token, appends its entry
  local out
  out=$("$bin" --json token new --name "$1" --role "$2" "${@:3}")
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["entry"], file=open(sys.argv[1], "a")); print(d["token"])' "$tokens" <<<"$out"
}
admin=$(new_token ops admin)
staff=$(new_token ada staff --user ada)
instance=$(new_token cad-hosts instance --pool CAD)

"$bin" --db "$db" serve --listen 127.0.0.1:0 --tokens "$tokens" > "$work/out" 2> "$work/log" &
server=$!
for _ in $(seq 50); do grep -q listening "$work/out" && break; sleep 0.1; done
base=$(sed -n 's/^listening on //p' "$work/out")
[ -n "$base" ] || { cat "$work/log"; exit 1; }
echo "server at $base"

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance
# One worker: two threads in hypothesis can trip a CPython 3.11 bug in
# ast.parse ("AST constructor recursion depth mismatch").
# From the work directory: schemathesis keeps its cache (.schemathesis/)
# in the directory it runs in, which must not be the clone.
run() { # run TOKEN SECONDS
  (cd "$work" && "$venv/bin/schemathesis" run "$base/api/v1/openapi.json" --url "$base" \
    -H "Authorization: Bearer $1" --checks "$checks" \
    --phases examples,coverage,fuzzing --max-time "$2" --workers 1 \
    --warnings off --no-color)
}
echo "--- as an admin (${seconds}s)"
run "$admin" "$seconds"
echo "--- as a staff token and an instance ($((seconds / 4))s each)"
run "$staff" "$((seconds / 4))"
run "$instance" "$((seconds / 4))"
# The server kept its trail whole under all of it.
"$bin" --db "$db" --json audit verify
