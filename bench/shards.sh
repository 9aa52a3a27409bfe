#!/usr/bin/env bash
# What spreading over shards costs (issue 16, net/shards.hpp): hearth-call with its defaults, the relay scenario
# in four configurations, interleaved run by run, medians printed with the commands:
#   1core        server pinned to core 0 (so 1 shard, the default there), load generator on core 1; 100 calls x 4
#   2shards      server on cores 0-1 (2 shards), load generator on the same 2 cores; 100 calls x 4, the sockets
#                where the kernel put them: each moves to its call's shard when it joins (the server's default)
#   2shards-unmoved  as 2shards with MOVE_SOCKETS_TO_CALLS=off: the sockets stay where the kernel put them (relays
#                between and within shards)
#   2shards-named  as 2shards, but every socket names its call in the handshake (--call-in-handshake), so the
#                server places it on the call's shard: the relays of a call stay within one shard
#   in-shard     2 shards, 200 calls x 2, only relays whose sender and target share a shard (--relay-to local:
#                the room is on that shard too)
#   cross-shard  2 shards, 200 calls x 2, only relays between the shards (--relay-to remote: one hand-off each)
#   (in-shard and cross-shard run with MOVE_SOCKETS_TO_CALLS=off: they pick pairs by the shard a socket id names,
#   which is where it stays only when sockets do not move; they measure the hand-off between shards itself)
# CPU per relay is the server's CPU time (all its threads) over what was delivered.
#
# Usage: bench/shards.sh [--runs N] [--duration S] [--build DIR] [--out DIR] [--configs "1core 2shards ..."]
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
runs=3
duration=10
build="$ROOT/build"
out=""
configs="1core 2shards in-shard cross-shard"
while (($#)); do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --configs) configs=$2; shift 2 ;;
    *) sed -n '2,16p' "$0"; exit 2 ;;
  esac
done
HEARTH_BIN="$build/hearth-call"
BENCH_BIN="$build/hearth-bench"
for bin in "$HEARTH_BIN" "$BENCH_BIN"; do
  [[ -x "$bin" ]] || { echo "missing $bin: build first" >&2; exit 2; }
done
out=${out:-$ROOT/bench/results/$(date +%F)-shards}
mkdir -p "$out"
# shellcheck source=lib.sh
source "$BENCH_DIR/lib.sh"
trap stop_server EXIT
ulimit -n "$(ulimit -Hn)"
unset HEARTH_THREADS  # the defaults: one shard per core of the taskset list

# config -> "server cpus|client cpus|hearth-bench arguments|MOVE_SOCKETS_TO_CALLS"
setup_of() {
  local common="relay --warmup 2 --duration $duration --window 16"
  case "$1" in
    1core) echo "0|1|$common --calls 100 --participants 4|on" ;;
    2shards) echo "0,1|0,1|$common --calls 100 --participants 4|on" ;;
    2shards-unmoved) echo "0,1|0,1|$common --calls 100 --participants 4|off" ;;
    2shards-named) echo "0,1|0,1|$common --calls 100 --participants 4 --call-in-handshake|on" ;;
    in-shard) echo "0,1|0,1|$common --calls 200 --participants 2 --relay-to local|off" ;;
    cross-shard) echo "0,1|0,1|$common --calls 200 --participants 2 --relay-to remote|off" ;;
    *) echo "unknown config $1" >&2; return 2 ;;
  esac
}

echo "machine: $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/machine.txt"
for ((run = 1; run <= runs; run++)); do
  for config in $configs; do
    IFS='|' read -r server_cpus client_cpus args moves < <(setup_of "$config")
    export MOVE_SOCKETS_TO_CALLS=$moves
    start_server hearth "$server_cpus"
    file="$out/$config.$run.json"
    echo "== $config run $run: server taskset $server_cpus (MOVE_SOCKETS_TO_CALLS=$moves), hearth-bench (taskset $client_cpus) $args" |
      tee -a "$out/commands.txt"
    # shellcheck disable=SC2086
    taskset -c "$client_cpus" "$BENCH_BIN" $args --url "$SERVER_URL" --jwt-secret "$BENCH_SECRET" \
      --server-pid "$SERVER_PID" --json >"$file" || true
    [[ -s "$file" ]] || echo '{"errors":-1}' >"$file"
    stop_server
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"
node - "$out" $configs <<'EOF' | tee "$out/summary.md"
const fs = require('fs');
const [dir, ...configs] = process.argv.slice(2);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const pick = (r, ...keys) => keys.reduce((o, k) => (o == null ? o : o[k]), r);
console.log('| config | relays/s | server CPU per relay (µs) | server CPU | p99 (ms) | errors | runs |');
console.log('|---|---:|---:|---:|---:|---:|---|');
const cpu = {};
for (const c of configs) {
  const rs = fs.readdirSync(dir).filter((f) => f.startsWith(`${c}.`) && f.endsWith('.json'))
    .map((f) => JSON.parse(fs.readFileSync(`${dir}/${f}`, 'utf8')));
  const per = rs.map((r) => r.server_cpu_us_per_relay ?? NaN);
  const rate = rs.map((r) => r.delivered_per_sec ?? NaN);
  const use = rs.map((r) => r.server_cpu_percent ?? NaN);
  const p99 = rs.map((r) => pick(r, 'latency_ms', 'p99') ?? NaN);
  cpu[c] = median(per);
  console.log(`| ${c} | ${median(rate).toFixed(0)} | ${median(per).toFixed(2)} | ${median(use).toFixed(0)} % | ${median(p99).toFixed(1)} | ${rs.reduce((a, r) => a + (r.errors || 0), 0)} | ${per.map((x) => x.toFixed(2)).join(', ')} |`);
}
if (cpu['cross-shard'] && cpu['in-shard']) console.log(`\ncross-shard / in-shard: ${(cpu['cross-shard'] / cpu['in-shard']).toFixed(2)}× (goal ≤ 1.5×)`);
if (cpu['2shards'] && cpu['1core']) console.log(`2 shards / 1 core, CPU per relay: ${(cpu['2shards'] / cpu['1core']).toFixed(2)}× (goal ≤ 1.10×)`);
if (cpu['2shards-unmoved'] && cpu['1core']) console.log(`2 shards, sockets not moved / 1 core, CPU per relay: ${(cpu['2shards-unmoved'] / cpu['1core']).toFixed(2)}×`);
if (cpu['2shards-named'] && cpu['1core']) console.log(`2 shards, sockets placed by call / 1 core, CPU per relay: ${(cpu['2shards-named'] / cpu['1core']).toFixed(2)}× (goal ≤ 1.10×)`);
EOF
