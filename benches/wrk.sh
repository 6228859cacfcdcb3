#!/usr/bin/env bash
# Throughput of both demo sites with and without their consent layer, with
# wrk (Debian's package). For each case both servers run side by side, pinned
# to core 0 (one serves while the other idles); wrk runs on core 1. After a
# warm-up of each, ROUNDS pairs of runs alternate without/with, and each pair
# gives a ratio: pairing cancels the slow drifts of a shared machine. The
# table shows the medians. Any socket error or non-2xx answer fails the run.
#   benches/wrk.sh                the table of BENCHMARKS.md
#   WITH=without benches/wrk.sh   the control: the same server twice, to show the noise
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-2s}
WITH=${WITH:-with}
ROUNDS=${ROUNDS:-15}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-38080}

if ! command -v wrk >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
cargo build --quiet --release -p cookie-consent-benches --bin demo-server
logs=$(mktemp -d)
pids=()
cleanup() {
  if [ ${#pids[@]} -gt 0 ]; then kill "${pids[@]}" 2>/dev/null || true; fi
  rm -rf "$logs"
}
trap cleanup EXIT

# Starts `demo-server site variant` on `port`, pinned to core 0.
serve() {
  local site=$1 variant=$2 port=$3 log="$logs/$3"
  taskset -c 0 target/release/demo-server "$site" "$variant" "127.0.0.1:$port" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    grep -q listening "$log" && return
    sleep 0.05
  done
  echo "demo-server $site $variant did not start:" >&2
  cat "$log" >&2
  exit 1
}

# Requests per second of one wrk run: `url cookie duration`.
requests_per_second() {
  local url=$1 cookie=$2 duration=$3 out
  out=$(taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$duration" -H "Cookie: $cookie" "$url")
  if grep -qE "Socket errors|Non-2xx" <<<"$out"; then
    echo "errors against $url:" >&2
    echo "$out" >&2
    exit 1
  fi
  awk '/Requests\/sec/ {print $2}' <<<"$out"
}

median() { tr ' ' '\n' | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

# The cases: each site's workload (benches/workload.sh).
source benches/workload.sh

echo "wrk -t1 -c$CONNECTIONS -d$DURATION, $ROUNDS alternating pairs, median; servers on core 0, wrk on core 1"
if [ "$WITH" != with ]; then echo "control run: the second server is also \"$WITH\""; fi
echo
echo "| site | path | without layer (req/s) | with layer (req/s) | with / without (median of pairs) | lowest and highest pair |"
echo "|---|---|---:|---:|---:|---|"
for case in "${cases[@]}"; do
  IFS='|' read -r site path cookie <<<"$case"
  serve "$site" without "$PORT"
  serve "$site" "$WITH" "$((PORT + 1))"
  without_url="http://127.0.0.1:$PORT$path"
  with_url="http://127.0.0.1:$((PORT + 1))$path"
  requests_per_second "$without_url" "$cookie" 2s >/dev/null
  requests_per_second "$with_url" "$cookie" 2s >/dev/null
  without=() with=() ratios=()
  for _ in $(seq "$ROUNDS"); do
    w=$(requests_per_second "$without_url" "$cookie" "$DURATION")
    c=$(requests_per_second "$with_url" "$cookie" "$DURATION")
    without+=("$w") with+=("$c")
    ratios+=("$(awk -v a="$c" -v b="$w" 'BEGIN {printf "%.3f", a / b}')")
  done
  kill "${pids[@]}"
  wait "${pids[@]}" 2>/dev/null || true
  pids=()
  sorted=$(echo "${ratios[*]}" | tr ' ' '\n' | sort -g)
  echo "| $site | \`$path\` | $(echo "${without[*]}" | median) | $(echo "${with[*]}" | median)" \
    "| $(echo "${ratios[*]}" | median) | $(head -1 <<<"$sorted") – $(tail -1 <<<"$sorted") |"
done
