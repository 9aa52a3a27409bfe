#!/usr/bin/env bash
# Paced relays at rising rates against hearth-call with its defaults (server on core 0: one shard; hearth-bench on
# core 1), to find the highest rate the paced traffic itself sustains and its p99 at half of that.
# Usage: sweep.sh OUTDIR DURATION RATE...   (run from the repository root; build/ holds both binaries)
set -uo pipefail
out=$1; dur=$2; shift 2
source bench/lib.sh
HEARTH_BIN=$PWD/build/hearth-call
mkdir -p "$out"
trap stop_server EXIT
for rate in "$@"; do
  start_server hearth 0
  args="relay --calls 100 --participants 4 --window 16 --warmup 3 --duration $dur"
  [[ "$rate" == max ]] || args="$args --rate $rate"
  echo "$(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)  hearth-bench $args" >> "$out/commands.txt"
  # shellcheck disable=SC2086
  taskset -c 1 build/hearth-bench $args --url "$SERVER_URL" --jwt-secret "$BENCH_SECRET" --server-pid "$SERVER_PID" \
    --json > "$out/rate-$rate.$(date +%s).json"
  stop_server
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(`${process.argv[2]}: delivered ${Math.round(r.delivered_per_sec)}/s  server ${r.server_cpu_percent.toFixed(0)}% ${r.server_cpu_us_per_relay.toFixed(2)} us/relay  p50 ${r.latency_ms.p50.toFixed(1)} p99 ${r.latency_ms.p99.toFixed(1)} ms  err ${r.errors}  ${r.limited_by}`)' \
    "$(ls -t "$out"/rate-$rate.*.json | head -1)" "$rate" | tee -a "$out/log.txt"
done
