#!/usr/bin/env bash
# Load benchmark of the public search: `athar serve` on a SQLite store of about a million
# records (from `athar gen`, imported and linked), driven by wrk with 100 concurrent clients
# for a bounded time, on loopback only. Usage:
#   bench/web.sh                      # ~1M records (620k persons), 100 clients, 30 s
#   ATHAR_BENCH_PERSONS=20000 bench/web.sh   # a quick run on a small store
# The store is kept in bench/out/web-PERSONS/ and reused by later runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/athar-target}
PERSONS=${ATHAR_BENCH_PERSONS:-620000}
CLIENTS=${ATHAR_BENCH_CLIENTS:-100}
DURATION=${ATHAR_BENCH_DURATION:-30s}
OUT=bench/out/web-$PERSONS
command -v wrk >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk; }

# ATHAR_BIN: use an already built binary instead of building this tree.
if [[ -z "${ATHAR_BIN:-}" ]]; then
  cargo build --release --bin athar
fi
ATHAR=${ATHAR_BIN:-$CARGO_TARGET_DIR/release/athar}
DB="sqlite://$OUT/athar.db"
mkdir -p "$OUT"
if [[ ! -f "$OUT/ready" ]]; then
  rm -f "$OUT"/athar.db*
  echo "== generating $PERSONS persons"
  "$ATHAR" gen --persons "$PERSONS" --seed 7 --out "$OUT/lists"
  "$ATHAR" init --db "$DB"
  for pair in prison.csv:prison-register family.csv:family-reports survivor.csv:survivor-registrations; do
    file=${pair%%:*}; source=${pair##*:}
    echo "== importing $file"
    /usr/bin/time -f "   $file: %e s, %M KB max RSS" "$ATHAR" import "$OUT/lists/$file" --source "$source" --db "$DB" --json
  done
  touch "$OUT/ready"
fi
RECORDS=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from records').fetchone()[0])" "$OUT/athar.db")
echo "== store: $RECORDS records"

# Queries: 1000 Arabic rows of the family list as name + father (most possibly match), and 1000
# with a father nobody has (no record). Encoded once for the wrk script.
python3 - "$OUT/lists/family.csv" "$OUT/queries.txt" <<'PY'
import csv, random, sys, urllib.parse
rows = [r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))
        if r["first_name"] and r["family_name"] and r["father_name"] and '\u0600' <= r["first_name"][0] <= '\u06ff']
random.seed(7)
sample = random.sample(rows, min(1000, len(rows)))
with open(sys.argv[2], "w") as out:
    for r in sample:
        name = f'{r["first_name"]} {r["family_name"]}'
        out.write(urllib.parse.urlencode({"name": name, "father_name": r["father_name"]}) + "\n")
        out.write(urllib.parse.urlencode({"name": name, "father_name": "زبرجد"}) + "\n")
PY

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
"$ATHAR" serve --db "$DB" --listen "127.0.0.1:$PORT" --trusted-proxy 127.0.0.1 >"$OUT/serve.log" 2>&1 &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
# The first start on a fresh store indexes every record for the public search before it
# listens (minutes at 1M records): wait for it, as long as the server is alive.
START=$(date +%s)
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do
  kill -0 "$SERVER" 2>/dev/null || { echo "athar serve exited:"; cat "$OUT/serve.log"; exit 1; }
  sleep 0.5
done
echo "== serving after $(( $(date +%s) - START )) s ($(grep -h 'indexed' "$OUT/serve.log" || echo 'index up to date'))"

export ATHAR_BENCH_QUERIES="$OUT/queries.txt"
echo "== warm-up (5 s)"
wrk -t2 -c"$CLIENTS" -d5s -s bench/web-search.lua "http://127.0.0.1:$PORT" >/dev/null
echo "== wrk -t2 -c$CLIENTS -d$DURATION --latency (POST /en/search, $RECORDS records)"
wrk -t2 -c"$CLIENTS" -d"$DURATION" --latency -s bench/web-search.lua "http://127.0.0.1:$PORT" | tee "$OUT/wrk.txt"
OUTCOMES=$(python3 -c "import sqlite3,sys; print(dict(sqlite3.connect(sys.argv[1]).execute('select outcome, count(*) from portal_search_log group by 1').fetchall()))" "$OUT/athar.db")
echo "== search log outcomes so far: $OUTCOMES"
