#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 30) on the nightly toolchain,
# starting from the committed seeds, and prints one line per target:
# executions and crashes. Exits non-zero when any target crashes.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-30}

cargo +nightly fuzz build --release --debug-assertions >/dev/null
mapfile -t targets < <(cargo +nightly fuzz list)
failed=0
for target in "${targets[@]}"; do
  log=$(mktemp)
  if cargo +nightly fuzz run --release --debug-assertions "$target" "corpus/$target" -- \
      -max_total_time="$seconds" -max_len=8192 -print_final_stats=1 >"$log" 2>&1; then
    crashes=0
  else
    crashes=1
    failed=1
    tail -n 40 "$log" >&2
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  printf 'fuzz %-14s %ss: %s executions, %s crashes\n' "$target" "$seconds" "$runs" "$crashes"
  rm -f "$log"
done
exit "$failed"
