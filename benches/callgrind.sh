#!/usr/bin/env bash
# Instructions per request under callgrind, for each layer of issue 6's workload.
# Each program is counted at two request counts; the difference over the extra
# requests is the per-request cost, with start-up cancelled out.
#   benches/callgrind.sh            the tables of BENCHMARKS.md
#   ANNOTATE=1 benches/callgrind.sh also keeps callgrind.out.* under target/callgrind
set -euo pipefail
cd "$(dirname "$0")/.."

LOW=${LOW:-200}
HIGH=${HIGH:-1200}
out=target/callgrind
mkdir -p "$out"

cargo build --quiet --profile profiling -p cookie-consent-benches --bin requests-tower --bin requests-actix --bin decisions --bin consent-reads

# Total instructions of one run: `program stack requests`.
instructions() {
  local program=$1 stack=$2 requests=$3 file=/dev/null
  if [ -n "${ANNOTATE:-}" ]; then file="$out/callgrind.out.$program.$stack.$requests"; fi
  valgrind --tool=callgrind --callgrind-out-file="$file" \
    "target/profiling/$program" "$stack" "$requests" 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

per_request() {
  local low high
  low=$(instructions "$1" "$2" "$LOW")
  high=$(instructions "$1" "$2" "$HIGH")
  if [ -z "$low" ] || [ -z "$high" ]; then
    echo "callgrind counted nothing for $1 $2" >&2
    exit 1
  fi
  echo $(((high - low) / (HIGH - LOW)))
}

table() {
  local program=$1 baseline=$2
  shift 2
  local base
  base=$(per_request "$program" "$baseline")
  echo "| $program | instructions/request | added over $baseline |"
  echo "|---|---:|---:|"
  echo "| $baseline | $base | 0 |"
  for stack in "$@"; do
    local n
    n=$(per_request "$program" "$stack")
    echo "| $stack | $n | $((n - base)) |"
  done
  echo
}

echo "requests $LOW and $HIGH, difference / $((HIGH - LOW))"
echo
table requests-tower identity set-response-header cookie-manager floor handoff consent
table requests-actix none default-headers floor handoff consent
# Signed consent (issue 24): verifying a granting consent, and nothing without one.
table requests-tower consent consent-signed
table requests-tower consent-no-consent consent-signed-no-consent
# The page layer (issue 27) on a response that is no page.
table requests-tower consent consent-page
table requests-actix consent consent-page

echo "| one decision (\`Policy::decide\`) | instructions |"
echo "|---|---:|"
for value in kept stripped; do
  echo "| $value | $(per_request decisions "$value") |"
done

echo
echo "| one consent read (\`Policy::read_consent\`) | instructions |"
echo "|---|---:|"
for mode in unsigned signed signed-miss; do
  echo "| $mode | $(per_request consent-reads "$mode") |"
done
