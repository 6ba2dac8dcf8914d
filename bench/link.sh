#!/usr/bin/env bash
# End-to-end linkage benchmark: generate, link (unsupervised, then an active-learning loop of
# ROUNDS rounds × SUGGEST suggested pairs labelled from truth.csv), evaluate.
#
# Usage: bench/link.sh [SIZES...]        (default: 20000 100000 500000 persons)
# Env:   ATHAR=path/to/athar (default: $CARGO_TARGET_DIR/release/athar, built if missing)
#        ROUNDS=4 SUGGEST=500 SEED=1 OUT=bench/out
#
# Prints one line per run: persons, records, mode, pairwise P/R/F1, B-cubed F1, seconds, peak
# memory (MiB, from /usr/bin/time -v). Everything it writes goes under $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${CARGO_TARGET_DIR:-target}
ATHAR=${ATHAR:-$TARGET/release/athar}
ROUNDS=${ROUNDS:-4}
SUGGEST=${SUGGEST:-500}
SEED=${SEED:-1}
OUT=${OUT:-bench/out}
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(20000 100000 500000)
if [ ! -x "$ATHAR" ]; then cargo build --release --bin athar; fi
mkdir -p "$OUT"

# Runs a command under /usr/bin/time -v; sets SECS and PEAK_MB.
timed() {
  local log; log=$(mktemp)
  /usr/bin/time -v "$@" 2>"$log" >/dev/null || { cat "$log" >&2; rm -f "$log"; return 1; }
  SECS=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$log")
  PEAK_MB=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
  rm -f "$log"
}

# Labels the suggested pairs from the truth: left_id,right_id,match.
label() { # suggest.csv truth.csv out.csv
  python3 - "$1" "$2" "$3" <<'PY'
import csv, sys
truth = {r["id"]: r["person_id"] for r in csv.DictReader(open(sys.argv[2], newline="", encoding="utf-8"))}
with open(sys.argv[3], "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["left_id", "right_id", "match"])
    for r in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")):
        w.writerow([r["left_id"], r["right_id"], 1 if truth[r["left_id"]] == truth[r["right_id"]] else 0])
PY
}

report() { # mode dir clusters.csv
  local ev; ev=$("$ATHAR" eval --clusters "$3" --truth "$2/truth.csv" --json)
  python3 - "$N" "$RECORDS" "$1" "$SECS" "$PEAK_MB" "$ev" <<'PY'
import json, sys
n, recs, mode, secs, peak, ev = sys.argv[1:]
e = json.loads(ev)
print(f"persons={n} records={recs} mode={mode} precision={e['precision']:.4f} recall={e['recall']:.4f} "
      f"f1={e['f1']:.4f} bcubed_f1={e['bcubed_f1']:.4f} seconds={float(secs):.2f} peak_mb={peak}")
PY
}

for N in "${SIZES[@]}"; do
  D="$OUT/gen-$N"
  [ -f "$D/truth.csv" ] || "$ATHAR" gen --persons "$N" --seed "$SEED" --out "$D" >/dev/null
  FILES=("$D/prison.csv" "$D/family.csv" "$D/survivor.csv")
  RECORDS=$(( $(cat "${FILES[@]}" | wc -l) - 3 ))

  timed "$ATHAR" link "${FILES[@]}" --out "$D/clusters.csv" --json
  report unsupervised "$D" "$D/clusters.csv"

  LABELS=()
  for r in $(seq 1 "$ROUNDS"); do
    timed "$ATHAR" link "${FILES[@]}" --out "$D/clusters-al.csv" "${LABELS[@]}" \
      --suggest "$SUGGEST" --suggest-out "$D/suggest-$r.csv" --json
    label "$D/suggest-$r.csv" "$D/truth.csv" "$D/labels-$r.csv"
    LABELS+=(--labels "$D/labels-$r.csv")
  done
  if [ "$ROUNDS" -gt 0 ]; then
    timed "$ATHAR" link "${FILES[@]}" --out "$D/clusters-al.csv" "${LABELS[@]}" --json
    report "labels=$((ROUNDS * SUGGEST))" "$D" "$D/clusters-al.csv"
  fi
done
