#!/usr/bin/env bash
# End-to-end benchmark of `athar gen` (see BENCHMARKS.md, section "Generator").
# Usage: bench/gen.sh [PERSONS] [RUNS]   (defaults: 1000000 persons, 3 runs)
# Builds the release binary, then times RUNS runs into a scratch directory and reports each
# run's wall-clock, user and system seconds and peak memory, plus the machine's load average
# (the machine is shared: a busy machine inflates wall-clock time).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/athar-target}
persons=${1:-1000000}
runs=${2:-3}
cargo build --release --bin athar >&2
bin="$CARGO_TARGET_DIR/release/athar"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "athar gen --persons $persons --seed 1 --out DIR  ($(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg))"
for i in $(seq "$runs"); do
  rm -rf "$out/lists"
  /usr/bin/time -f "run $i: wall %e s, user %U s, sys %S s, max RSS %M KB" \
    "$bin" gen --persons "$persons" --seed 1 --out "$out/lists" >/dev/null
done
du -sh "$out/lists" | cut -f1 | sed 's/^/output size: /'
wc -l "$out/lists"/*.csv | sed 's/^/  /'
