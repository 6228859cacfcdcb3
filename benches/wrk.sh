#!/usr/bin/env bash
# Throughput of both demo sites with and without their consent layer, with
# wrk (Debian's package): the server pinned to core 0, wrk to core 1. Each
# case runs ROUNDS times, alternating without/with; the median counts. Any
# socket error or non-2xx answer fails the run.
#   benches/wrk.sh        the table of BENCHMARKS.md
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-8s}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-38080}

if ! command -v wrk >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
cargo build --quiet --release -p cookie-consent-benches --bin demo-server
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Requests per second of one run: `site variant path cookie`.
requests_per_second() {
  local site=$1 variant=$2 path=$3 cookie=$4 pid out
  taskset -c 0 target/release/demo-server "$site" "$variant" "127.0.0.1:$PORT" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    grep -q listening "$log" && break
    sleep 0.05
  done
  local url="http://127.0.0.1:$PORT$path"
  taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d2s -H "Cookie: $cookie" "$url" >/dev/null
  out=$(taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -H "Cookie: $cookie" "$url")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  if grep -qE "Socket errors|Non-2xx" <<<"$out"; then
    echo "errors against $site $variant $path:" >&2
    echo "$out" >&2
    exit 1
  fi
  awk '/Requests\/sec/ {print $2}' <<<"$out"
}

median() { tr ' ' '\n' | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

# site, path, Cookie header: the issue's workload on each site's own policy.
MINOPA_COOKIE='cookie-preferences=%7B%22categories%22%3A%7B%22analytics%22%3Atrue%7D%2C%22revision%22%3A1%7D; _ga=GA1.1.1'
MIHARI_COOKIE='cookie-preferences=%7B%22categories%22%3A%7B%22analytics%22%3Atrue%7D%2C%22revision%22%3A1%7D; mh_analytics_id=a1'
cases=(
  "axum|/demo/set?name=next-auth.csrf-token&name=theme&name=_ga&name=_clck|$MINOPA_COOKIE"
  "axum|/healthz|$MINOPA_COOKIE"
  "actix|/demo/set?name=csrf_token&name=mh_prefs&name=mh_analytics_id&name=mh_perf|$MIHARI_COOKIE"
  "actix|/healthz|$MIHARI_COOKIE"
)

echo "wrk -t1 -c$CONNECTIONS -d$DURATION, median of $ROUNDS rounds, server on core 0, wrk on core 1"
echo
echo "| site | path | without layer (req/s) | with layer (req/s) | with / without |"
echo "|---|---|---:|---:|---:|"
for case in "${cases[@]}"; do
  IFS='|' read -r site path cookie <<<"$case"
  without=() with=()
  for _ in $(seq "$ROUNDS"); do
    without+=("$(requests_per_second "$site" without "$path" "$cookie")")
    with+=("$(requests_per_second "$site" with "$path" "$cookie")")
  done
  w=$(echo "${without[*]}" | median)
  c=$(echo "${with[*]}" | median)
  echo "| $site | \`$path\` | $w | $c | $(awk -v a="$c" -v b="$w" 'BEGIN {printf "%.3f", a / b}') |"
done
