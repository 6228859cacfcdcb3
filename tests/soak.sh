#!/usr/bin/env bash
# Hostile load on both demo sites: wrk drives each with the mix of
# tests/soak.lua for SECONDS (default 20) after a warm-up of a quarter of that,
# then reports requests served, socket errors, 5xx answers, and the server's
# resident memory after the warm-up and at the end. Fails on any socket error,
# any 5xx, or memory that grew by more than GROWTH_KB (default 16384): the
# names warned about are capped, so a long run must stay flat.
#   tests/soak.sh [SECONDS]          release builds (the figures of RELIABILITY.md)
#   SOAK_PROFILE=debug tests/soak.sh 10   what .ci/run does, reusing the test build
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
profile=${SOAK_PROFILE:-release}
growth_kb=${GROWTH_KB:-16384}
warm=$(( seconds / 4 > 1 ? seconds / 4 : 1 ))

if ! command -v wrk >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
flag=$([ "$profile" = release ] && echo --release || true)
cargo build --quiet $flag -p example-axum-minopa -p example-actix-mihari

logs=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  rm -rf "$logs"
}
trap cleanup EXIT

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

failed=0
port=39180
for site in example-axum-minopa example-actix-mihari; do
  port=$((port + 1))
  # Records on disk: the in-memory default would grow by every recorded answer.
  PORT=$port CONSENT_RECORDS="sqlite:$logs/$site.db" "target/$profile/$site" >"$logs/$site" 2>&1 &
  pid=$!
  for _ in $(seq 200); do
    grep -q listening "$logs/$site" && break
    sleep 0.05
  done
  url="http://127.0.0.1:$port"
  wrk -t2 -c32 -d"${warm}s" -s tests/soak.lua "$url" >/dev/null
  start=$(rss_kb "$pid")
  out=$(wrk -t2 -c32 -d"${seconds}s" --timeout 5s -s tests/soak.lua "$url")
  end=$(rss_kb "$pid")
  line=$(grep '^soak:' <<<"$out")
  printf '%-22s %ss: %s; RSS %d KiB after warm-up, %d KiB at the end\n' \
    "$site" "$seconds" "${line#soak: }" "$start" "$end"
  if ! grep -q ' 0 socket errors, 0 5xx' <<<"$line"; then
    echo "$out" >&2
    failed=1
  fi
  if [ "$end" -gt $((start + growth_kb)) ]; then
    echo "$site: memory grew by $((end - start)) KiB" >&2
    failed=1
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "$site died:" >&2
    cat "$logs/$site" >&2
    failed=1
  fi
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
done
exit "$failed"
