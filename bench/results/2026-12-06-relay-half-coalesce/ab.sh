#!/usr/bin/env bash
# usage: ab.sh RATE "delays..." rounds
set -uo pipefail
cd /work/main
source bench/lib.sh
HEARTH_BIN=${HEARTH_BIN:-/work/main/build/hearth-call}
BENCH_BIN=/work/main/build/hearth-bench
ulimit -n "$(ulimit -Hn)"
rate=$1; delays=$2; rounds=${3:-1}; dur=${DUR:-10}
for r in $(seq $rounds); do
for d in $delays; do
  export HEARTH_COALESCE_US=$d
  start_server hearth 0
  taskset -c 1 $BENCH_BIN relay --calls 100 --participants 4 --window 16 --warmup 3 --duration $dur ${rate:+--rate $rate} --url "$SERVER_URL" --jwt-secret "$BENCH_SECRET" --server-pid "$SERVER_PID" --json > /tmp/coal/r.$d.$r.json
  stop_server
  node -e 'const r=require(process.argv[1]); console.log(process.argv[2], Math.round(r.delivered_per_sec), r.server_cpu_us_per_relay?.toFixed?.(2) ?? JSON.stringify(Object.keys(r)), JSON.stringify(r.latency_ms), r.errors)' /tmp/coal/r.$d.$r.json "delay=$d"
done; done
