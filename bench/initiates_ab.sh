#!/usr/bin/env bash
# A/B of hearth-call binaries on REST initiates: for each round, one run of each binary in turn (a fresh server and
# database per run, pinned to core 0; hearth-bench on core 1), and the server's CPU per request split per thread
# (store thread, I/O thread, WAL checkpointer) from /proc/PID/task/*/stat. Alternating runs are what makes binaries
# comparable on a shared machine: CPU per request moves by +-15 % from hour to hour, much less between adjacent runs.
#
# Usage: bench/initiates_ab.sh [--bench BIN] ROUNDS DURATION OUTDIR HEARTH-CALL-BINARY...
#   --bench BIN   the load generator (default build/hearth-bench)
# Each run: hearth-bench rest --concurrency 32 --mix 1:0:0 --warmup 2 --duration DURATION. One line per run goes to
# OUTDIR/log.txt: initiates/s, CPU us per request, p99, errors, then each thread's share of the CPU in us.
set -uo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
BENCH_BIN="$ROOT/build/hearth-bench"
if [[ "${1:-}" == "--bench" ]]; then BENCH_BIN=$2; shift 2; fi
(($# >= 4)) || { sed -n '2,10p' "$0"; exit 2; }
rounds=$1; dur=$2; out=$3; shift 3
source "$BENCH_DIR/lib.sh"
ulimit -n "$(ulimit -Hn)"
mkdir -p "$out"

ticks() {  # PID -> one line per thread: "<name>/<tid> <utime+stime ticks>"
  local t st rest
  for t in /proc/$1/task/*; do
    st=$(cat "$t/stat" 2>/dev/null) || continue
    rest=${st#*) }
    set -- $rest
    echo "$(tr ' ' _ < "$t/comm" 2>/dev/null)/${t##*/} $((${12} + ${13}))"
  done
}

trap stop_server EXIT
for ((r = 1; r <= rounds; r++)); do
  for bin in "$@"; do
    HEARTH_BIN=$bin
    name=$(basename "$bin")
    start_server hearth 0
    taskset -c 1 "$BENCH_BIN" rest --concurrency 32 --mix 1:0:0 --warmup 2 --duration "$dur" --url "$SERVER_URL" \
      --jwt-secret "$BENCH_SECRET" --server-pid "$SERVER_PID" --json > "$out/$name.$r.json" &
    bench_pid=$!
    sleep 2.3  # the warm-up
    ticks "$SERVER_PID" > "$out/$name.$r.t0"
    wait "$bench_pid"
    ticks "$SERVER_PID" > "$out/$name.$r.t1"
    stop_server
    node -e '
      const fs = require("fs");
      const [file, t0, t1, label] = process.argv.slice(1);
      const r = JSON.parse(fs.readFileSync(file, "utf8"));
      const read = (p) => Object.fromEntries(fs.readFileSync(p, "utf8").trim().split("\n").map((l) => l.split(" ")).map(([k, v]) => [k, +v]));
      const a = read(t0), b = read(t1);
      const used = {};
      let total = 0;
      for (const k in b) { const d = b[k] - (a[k] || 0); if (d > 0) { used[k] = d; total += d; } }
      const split = Object.entries(used).sort((p, q) => q[1] - p[1])
        .map(([k, v]) => `${k} ${(r.server_cpu_us_per_request * v / total).toFixed(1)}`).join(", ");
      console.log(`${label} ${r.initiates_per_sec.toFixed(0)}/s  cpu ${r.server_cpu_us_per_request.toFixed(1)} us/req  p99 ${r.latency_ms.p99.toFixed(2)}  err ${r.errors}  [${split}]`);
    ' "$out/$name.$r.json" "$out/$name.$r.t0" "$out/$name.$r.t1" "$name.$r" | tee -a "$out/log.txt"
  done
done
