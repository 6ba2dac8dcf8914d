#!/usr/bin/env bash
# Athar against Splink 5 on the same generated lists, in the same run: pairwise F1, B-cubed F1,
# seconds, peak memory, and the speed ratio.
#
# Usage: bench/splink_compare.sh [SIZES...]   (default: 20000 100000 500000 persons)
# Installs Splink 5 (and pandas) into bench/.venv on first use (gitignored).
# Env: ATHAR=path/to/athar (default: $CARGO_TARGET_DIR/release/athar), SEED=1, OUT=bench/out
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${CARGO_TARGET_DIR:-target}
ATHAR=${ATHAR:-$TARGET/release/athar}
SEED=${SEED:-1}
OUT=${OUT:-bench/out}
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(20000 100000 500000)
if [ ! -x "$ATHAR" ]; then cargo build --release --bin athar; fi
if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install -q "splink==5.0.0" pandas
fi
mkdir -p "$OUT"

timed() { # log-file command...
  local log=$1; shift
  /usr/bin/time -v "$@" 2>"$log" >/dev/null || { cat "$log" >&2; return 1; }
  SECS=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$log")
  PEAK_MB=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
}

printf "%-8s %-8s %8s %8s %9s %9s | %8s %8s %9s %9s | %7s\n" persons records \
  athar_f1 athar_b3 athar_s athar_mb splink_f1 splink_b3 splink_s splink_mb speedup
for N in "${SIZES[@]}"; do
  D="$OUT/gen-$N"
  [ -f "$D/truth.csv" ] || "$ATHAR" gen --persons "$N" --seed "$SEED" --out "$D" >/dev/null
  FILES=("$D/prison.csv" "$D/family.csv" "$D/survivor.csv")
  RECORDS=$(( $(cat "${FILES[@]}" | wc -l) - 3 ))
  timed "$D/athar.time" "$ATHAR" link "${FILES[@]}" --out "$D/clusters.csv"
  A_S=$SECS; A_MB=$PEAK_MB
  A=$("$ATHAR" eval --clusters "$D/clusters.csv" --truth "$D/truth.csv" --json)
  timed "$D/splink.time" bench/.venv/bin/python bench/splink_compare.py "$D" "$D/clusters-splink.csv"
  S_S=$SECS; S_MB=$PEAK_MB
  S=$("$ATHAR" eval --clusters "$D/clusters-splink.csv" --truth "$D/truth.csv" --json)
  python3 - "$N" "$RECORDS" "$A" "$A_S" "$A_MB" "$S" "$S_S" "$S_MB" <<'PY'
import json, sys
n, recs, a, a_s, a_mb, s, s_s, s_mb = sys.argv[1:]
a, s = json.loads(a), json.loads(s)
print(f"{n:<8} {recs:<8} {a['f1']:8.4f} {a['bcubed_f1']:8.4f} {float(a_s):9.2f} {a_mb:>9} | "
      f"{s['f1']:8.4f} {s['bcubed_f1']:8.4f} {float(s_s):9.2f} {s_mb:>9} | {float(s_s)/float(a_s):6.1f}x")
PY
done
