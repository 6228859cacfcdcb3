#!/usr/bin/env bash
# End-to-end instructions per request (issue 14): each demo site's release
# build (`demo-server`, with and without its consent layer) runs under
# callgrind; curl, outside the measured process, sends LOW and then HIGH
# keep-alive HTTP/1.1 requests over loopback; SIGTERM stops the server. The
# difference over the extra requests is the server's userland instructions
# per request, start-up and shut-down cancelled out.
#   benches/e2e.sh        the table of BENCHMARKS.md
set -euo pipefail
cd "$(dirname "$0")/.."

LOW=${LOW:-200}
HIGH=${HIGH:-1200}
PORT=${PORT:-38280}

cargo build --quiet --profile profiling -p cookie-consent-benches --bin demo-server
work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Instructions the server ran for `site variant path cookie requests`.
instructions() {
  local site=$1 variant=$2 path=$3 cookie=$4 requests=$5 log="$work/log"
  valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    target/profiling/demo-server "$site" "$variant" "127.0.0.1:$PORT" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 600); do
    grep -q listening "$log" && break
    sleep 0.1
  done
  grep -q listening "$log" || { echo "demo-server $site $variant did not start" >&2; cat "$log" >&2; exit 1; }
  # One curl, one connection, `requests` requests on it.
  for _ in $(seq "$requests"); do
    printf 'url = "http://127.0.0.1:%s%s"\noutput = "/dev/null"\n' "$PORT" "$path"
  done >"$work/urls"
  curl --silent --fail --http1.1 --header "Cookie: $cookie" --config "$work/urls"
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$log"
}

per_request() {
  local low high
  low=$(instructions "$@" "$LOW")
  high=$(instructions "$@" "$HIGH")
  if [ -z "$low" ] || [ -z "$high" ]; then
    echo "callgrind counted nothing for $*" >&2
    exit 1
  fi
  echo $(((high - low) / (HIGH - LOW)))
}

# The cases: each site's workload (benches/workload.sh).
source benches/workload.sh

echo "requests $LOW and $HIGH on one keep-alive connection, difference / $((HIGH - LOW))"
echo
echo "| site | path | without layer | floor | handoff | with layer | floor / without | handoff / without | with / without |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for case in "${cases[@]}"; do
  IFS='|' read -r site path cookie <<<"$case"
  without=$(per_request "$site" without "$path" "$cookie")
  floor=$(per_request "$site" floor "$path" "$cookie")
  handoff=$(per_request "$site" handoff "$path" "$cookie")
  with=$(per_request "$site" with "$path" "$cookie")
  ratio() { awk -v a="$1" -v b="$without" 'BEGIN {printf "%.3f", a / b}'; }
  echo "| $site | \`${path%%\?*}\` | $without | $floor | $handoff | $with | $(ratio "$floor") | $(ratio "$handoff") | $(ratio "$with") |"
done
