#!/usr/bin/env bash
# Runs every ```sh block of docs/KEYGEN.md, in order, as one script, from the
# repository root: the operator walkthrough must work exactly as written.
set -euo pipefail
cd "$(dirname "$0")/.."
script=$(mktemp)
trap 'rm -f "$script"' EXIT
awk '/^```sh$/ { inside = 1; next } /^```$/ { inside = 0 } inside' docs/KEYGEN.md > "$script"
env -u LICMAN_LEDGER -u LICMAN_PASSPHRASE bash -euo pipefail "$script"
