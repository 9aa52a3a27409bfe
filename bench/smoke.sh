#!/usr/bin/env bash
# Smoke run of the benchmarks (CTest bench_smoke): every hearth-bench scenario for a couple of seconds with small
# numbers against a real hearth-call, and hearth-micro with a tiny minimum time. Fails if a scenario reports an
# error or zero throughput — so the benchmarks cannot rot. Measures nothing worth reading.
# Usage: bench/smoke.sh HEARTH_CALL_BIN HEARTH_BENCH_BIN [HEARTH_MICRO_BIN]
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
HEARTH_BIN=$1
BENCH_BIN=$2
MICRO_BIN=${3:-}
source "$BENCH_DIR/lib.sh"

trap stop_server EXIT
start_server hearth
echo "hearth-call at $SERVER_URL (pid $SERVER_PID)"

failed=0
# check NAME JSON FIELD: errors must be 0 and FIELD > 0.
check() {
  local name=$1 json=$2 field=$3
  if node -e '
      const r = JSON.parse(process.argv[1]);
      const v = Number(r[process.argv[2]]);
      if (r.errors !== 0 || !(v > 0)) process.exit(1);' "$json" "$field"; then
    echo "ok   $name: $field > 0, no errors"
  else
    echo "FAIL $name: $json"
    failed=1
  fi
}

run() {  # NAME FIELD ARGS...: one scenario
  local name=$1 field=$2; shift 2
  local out
  out=$("$BENCH_BIN" "$@" --url "$SERVER_URL" --jwt-secret "$BENCH_SECRET" --server-pid "$SERVER_PID" --json) || true
  echo "     $out"
  [[ -n "$out" ]] || out='{"errors":-1}'
  check "$name" "$out" "$field"
}

run relay delivered_per_sec relay --calls 4 --participants 3 --warmup 0.5 --duration 2
run relay-rate delivered_per_sec relay --calls 2 --participants 2 --rate 500 --warmup 0.2 --duration 1
# Several --url and --server-pid (as bench/cluster.sh runs them; here the same server twice, so the "nodes" are the
# URLs): with --relay-to remote every relay goes to a participant that connected through the other URL.
run relay-urls delivered_between_nodes relay --calls 2 --participants 4 --relay-to remote --warmup 0.2 --duration 1 \
  --url "$SERVER_URL" --server-pid "$SERVER_PID"
run setup setups_per_sec setup --calls 20 --concurrency 2 --participants 3 --duration 10
run idle sockets idle --sockets 50 --concurrency 10 --duration 1
run rest requests_per_sec rest --concurrency 4 --warmup 0.5 --duration 2

if [[ -n "$MICRO_BIN" ]]; then
  if micro_out=$("$MICRO_BIN" --benchmark_min_time=0.01 2>&1); then
    echo "ok   hearth-micro"
  else
    echo "FAIL hearth-micro: $micro_out"
    failed=1
  fi
fi
exit $failed
