#!/usr/bin/env bash
# End-to-end benchmark of the list reader: `athar inspect --json` over a ROWS-row list in each
# format (UTF-8 CSV, UTF-16LE tab text, Windows-1256 semicolon CSV, XLSX with serial dates).
# Prints wall time and peak memory (max RSS) per file; the reader streams, so memory must stay
# flat as ROWS grows. Run from the repository root:
#
#   cargo build --release --bin athar
#   crates/athar-reader/benches/inspect.sh 1000000
#
# ATHAR (default target/release/athar, or $CARGO_TARGET_DIR/release/athar) and OUT (default
# /tmp/athar-reader-bench) can be overridden.
set -euo pipefail
ROWS=${1:-1000000}
TARGET=${CARGO_TARGET_DIR:-target}
ATHAR=${ATHAR:-$TARGET/release/athar}
OUT=${OUT:-/tmp/athar-reader-bench}
cargo run --quiet --release -p athar-reader --example bench_lists -- "$OUT" "$ROWS"
ls -l "$OUT"
for f in utf8.csv utf16le.txt cp1256.csv list.xlsx; do
  start=$(date +%s.%N)
  stats=$( { /usr/bin/time -f "%M" "$ATHAR" inspect "$OUT/$f" --json > "$OUT/$f.json"; } 2>&1 )
  end=$(date +%s.%N)
  rows=$(grep -o '"rows":[0-9]*' "$OUT/$f.json")
  printf '%-12s %s  %.2f s  max RSS %s KiB\n' "$f" "$rows" "$(echo "$end - $start" | bc)" "$stats"
done
