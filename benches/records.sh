#!/usr/bin/env bash
# Recorded consent answers per second, per store, on both demo sites (their
# release binaries, `CONSENT_RECORDS` set), with wrk (Debian's package)
# posting `action=reject-optional` to /consent. Server on core 0, wrk on core 1.
# Then, for each store, /healthz alone, /healthz while /consent is under the
# same load, and (the control) /healthz while /demo/set, which records
# nothing, is: recording must not hold up the rest of the app beyond the CPU
# it takes. Every answer is counted back in the store with `cookie-consent
# records export` (it may hold a few more than wrk counted: answers in flight
# when wrk stops are recorded but not counted).
#   benches/records.sh                 SQLite file, SQLite in memory, and PostgreSQL
# PostgreSQL: COOKIE_CONSENT_POSTGRES, else a throwaway cluster (tests/postgres.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-38090}

if ! command -v wrk >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
cargo build --quiet --release -p example-axum-minopa -p example-actix-mihari -p cookie-consent-cli
work=$(mktemp -d /tmp/cookie-consent-records-bench.XXXXXX)
pids=()
own_cluster=
cleanup() {
  if [ ${#pids[@]} -gt 0 ]; then kill "${pids[@]}" 2>/dev/null || true; fi
  if [ -n "$own_cluster" ]; then tests/postgres.sh stop "$work/postgres" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

postgres=${COOKIE_CONSENT_POSTGRES:-}
if [ -z "$postgres" ]; then
  tests/postgres.sh install
  postgres=$(tests/postgres.sh start "$work/postgres")
  own_cluster=1
fi

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "action=reject-optional"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["User-Agent"] = "records-bench"
LUA

# Runs wrk on a path: "requests/s requests" (any socket error or non-2xx/3xx fails).
load() {
  local path=$1 script=${2:-}
  local out
  out=$(taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$DURATION" ${script:+-s "$script"} "http://127.0.0.1:$PORT$path")
  if grep -q "Non-2xx or 3xx\|Socket errors" <<<"$out"; then
    echo "wrk saw errors on $path:" >&2
    echo "$out" >&2
    exit 1
  fi
  awk '/Requests\/sec/ {rate = $2} / requests in / {count = $1} END {printf "%d %d\n", rate, count}' <<<"$out"
}

# /healthz's requests/s while `path` is loaded too.
healthz_under() {
  taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$DURATION" ${2:+-s "$2"} "http://127.0.0.1:$PORT$1" >/dev/null &
  local background=$!
  local under
  under=$(load /healthz)
  wait "$background"
  echo "${under% *}"
}

printf '| site | store | answers/s | answered | recorded | /healthz alone | /healthz under answers | /healthz under /demo/set (control) |\n|---|---|---:|---:|---:|---:|---:|---:|\n'
for site in axum-minopa actix-mihari; do
  for store in "sqlite:$work/records.db" "sqlite::memory:" "$postgres"; do
    if [[ $store == postgres* ]]; then
      psql -q "$store" -c 'TRUNCATE consent_records' 2>/dev/null || true
    fi
    rm -f "$work/records.db"
    PORT=$PORT CONSENT_RECORDS=$store taskset -c 0 "target/release/example-$site" >"$work/server.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do grep -q listening "$work/server.log" && break; sleep 0.05; done
    read -r answers answered < <(load /consent "$work/post.lua")
    case $store in
      sqlite::memory:) recorded="(in memory)";;
      *) recorded=$(target/release/cookie-consent records export --store "$store" | wc -l);;
    esac
    alone=$(load /healthz); alone=${alone% *}
    under=$(healthz_under /consent "$work/post.lua")
    control=$(healthz_under "/demo/set?name=sid")
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
    pids=()
    label=${store%%:*}; [[ $store == sqlite::memory: ]] && label="sqlite (memory)"; [[ $store == sqlite:/* ]] && label="sqlite (file)"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$site" "$label" "$answers" "$answered" "$recorded" "$alone" "$under" "$control"
  done
done
