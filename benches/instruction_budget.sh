#!/usr/bin/env bash
# The regression guard that wall-clock timings on these machines cannot be:
# fails when an operation's instruction count (benches/callgrind.sh) is over
# its budget in benches/instruction-budget.txt, or a ratio is over its cap
# (verification against the verify_strict floor).
#   bash benches/instruction_budget.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/tools.sh
ensure_apt valgrind
budget=benches/instruction-budget.txt
mapfile -t ops < <(awk '$1 == "max" { print $2 } $1 == "ratio" { print $2; print $3 }' "$budget" | sort -u)
counts=$(bash benches/callgrind.sh "${ops[@]}")
echo "$counts"
awk '
  FNR == NR { if ($1 == "max" || $1 == "ratio") rule[++n] = $0; next }
  NF == 2 && $2 ~ /^[0-9.]+$/ { count[$1] = $2 }
  END {
    failed = 0
    for (i = 1; i <= n; i++) {
      split(rule[i], r)
      if (r[1] == "max") {
        if (!(r[2] in count)) { print "error: no count for " r[2]; failed = 1; continue }
        verdict = count[r[2]] <= r[3] ? "ok  " : "OVER"
        if (verdict == "OVER") failed = 1
        printf "%s %-22s %14.1f <= %s\n", verdict, r[2], count[r[2]], r[3]
      } else {
        if (!(r[2] in count) || !(r[3] in count) || count[r[3]] <= 0) { print "error: no counts for " r[2] " / " r[3]; failed = 1; continue }
        ratio = count[r[2]] / count[r[3]]
        verdict = ratio <= r[4] ? "ok  " : "OVER"
        if (verdict == "OVER") failed = 1
        printf "%s %-22s %14.4fx %s (cap %s)\n", verdict, r[2], ratio, r[3], r[4]
      }
    }
    exit failed
  }
' "$budget" - <<<"$counts" || {
  echo "error: an instruction budget is exceeded (benches/instruction-budget.txt)" >&2
  exit 1
}
