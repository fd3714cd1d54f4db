#!/usr/bin/env bash
# Runs every ```sh block of a walkthrough (docs/KEYGEN.md, or the file given),
# in order, as one script, from the repository root: it must work exactly as
# written.
#   bash .ci/walkthrough.sh [docs/KEYGEN.md | docs/SEATS.md]
set -euo pipefail
cd "$(dirname "$0")/.."
script=$(mktemp)
trap 'rm -f "$script"' EXIT
doc=${1:-docs/KEYGEN.md}
awk '/^```sh$/ { inside = 1; next } /^```$/ { inside = 0 } inside' "$doc" > "$script"
env -u LICMAN_LEDGER -u LICMAN_PASSPHRASE -u LICMAN_SEATS_DB -u LICMAN_SEATS_ACTOR \
  bash -euo pipefail "$script"
