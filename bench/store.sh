#!/usr/bin/env bash
# Store benchmarks (issue 5), for SQLite and, when a PostgreSQL URL is given, PostgreSQL:
#   1. import with matching of ~1M generated records (three lists, each an atomic import; the
#      second and third are matched against what is stored);
#   2. one new record ingested (blocked, scored with the saved model, placed, committed) against
#      the ~1M stored records: latency percentiles over 1,000 records from another generated set.
#
#   bench/store.sh [PERSONS] [POSTGRES_URL]
#   PERSONS defaults to 630000 (about 1.01M records); POSTGRES_URL to none (SQLite only).
#   ATHAR_BIN / LATENCY_BIN: prebuilt binaries to measure instead of building (the
#   `ingest_latency` example of athar-store-any). WORK: the work directory (data is reused).
#   ATHAR_TIMINGS=1 prints the seconds each import stage took (in WORK/NAME-import.err).
#   SKIP_SQLITE=1 (with a POSTGRES_URL): measure PostgreSQL only.
# Results go to stdout; copy them into BENCHMARKS.md ("Store") with the date and machine.
set -euo pipefail
cd "$(dirname "$0")/.."
PERSONS=${1:-630000}
PG_URL=${2:-}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/athar-target}
if [[ -z ${ATHAR_BIN:-} ]]; then
  cargo build --release --bin athar -p athar >/dev/null
  ATHAR_BIN=$CARGO_TARGET_DIR/release/athar
fi
if [[ -z ${LATENCY_BIN:-} ]]; then
  cargo build --release -p athar-store-any --example ingest_latency >/dev/null
  LATENCY_BIN=$CARGO_TARGET_DIR/release/examples/ingest_latency
fi
ATHAR=$ATHAR_BIN
LATENCY=$LATENCY_BIN
echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates || echo ' (+ uncommitted changes)')"
WORK=${WORK:-$(mktemp -d)}
echo "work dir: $WORK"

[[ -f $WORK/data/family.csv ]] || "$ATHAR" gen --persons "$PERSONS" --seed 5 --out "$WORK/data" >&2
[[ -f $WORK/new/family.csv ]] || "$ATHAR" gen --persons 2000 --seed 99 --out "$WORK/new" >&2
RECORDS=$(( $(wc -l < "$WORK/data/prison.csv") + $(wc -l < "$WORK/data/family.csv") + $(wc -l < "$WORK/data/survivor.csv") - 3 ))
echo "persons: $PERSONS  records: $RECORDS"

run() { # run BACKEND URL
  local name=$1 url=$2
  "$ATHAR" init --db "$url" >/dev/null
  local t0 t1
  echo "[$name] load before import: $(uptime | sed 's/.*load average: //')"
  t0=$(date +%s.%N)
  /usr/bin/time -f "user %U s, system %S s, peak RSS %M KB" "$ATHAR" import "$WORK/data/prison.csv" "$WORK/data/family.csv" \
    "$WORK/data/survivor.csv" --source bench --db "$url" --json > "$WORK/$name-import.json" 2> "$WORK/$name-import.err"
  t1=$(date +%s.%N)
  echo "[$name] import with matching of $RECORDS records: $(echo "$t1 - $t0" | bc) s ($(tail -1 "$WORK/$name-import.err"))"
  echo "[$name] load after import: $(uptime | sed 's/.*load average: //')"
  grep '^timing' "$WORK/$name-import.err" | sed "s/^/[$name] /" || true
  echo "[$name] import summary: $(head -c 300 "$WORK/$name-import.json")"
  t0=$(date +%s.%N)
  /usr/bin/time -f "user %U s, peak RSS %M KB" -o "$WORK/$name-check.time" "$ATHAR" check --db "$url"
  t1=$(date +%s.%N)
  echo "[$name] check: $(echo "$t1 - $t0" | bc) s ($(cat "$WORK/$name-check.time"))"
  echo "[$name] one record ingested against the store: $("$LATENCY" "$url" "$WORK/new/family.csv" 1000)"
  echo "[$name] load after ingest: $(uptime | sed 's/.*load average: //')"
}

if [[ -z ${SKIP_SQLITE:-} || -z $PG_URL ]]; then
  rm -f "$WORK/bench.db" "$WORK/bench.db-wal" "$WORK/bench.db-shm"
  run sqlite "sqlite://$WORK/bench.db"
  ls -l "$WORK/bench.db" | awk '{print "[sqlite] database size: " $5 " bytes"}'
fi
if [[ -n $PG_URL ]]; then
  run postgres "$PG_URL"
fi
