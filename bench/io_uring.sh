#!/usr/bin/env bash
# Reads through Asio's io_uring backend against its epoll reactor (issue 16, "reads without the reactor's re-arm"):
# two builds of the same source, the second configured with -DHEARTH_IO_URING=ON (BOOST_ASIO_HAS_IO_URING and
# BOOST_ASIO_DISABLE_EPOLL: io_uring is the reactor for sockets too). hearth-call with its defaults, the relay scenario
# in the configurations of shards.sh, the two builds alternated run by run (one load generator, the epoll build's,
# drives both); medians and every run printed with the commands:
#   1core     server pinned to core 0 (1 shard), load generator on core 1; 100 calls x 4
#   2shards   server on cores 0-1 (2 shards), load generator on the same 2 cores; 100 calls x 4
#   paced     as 1core, paced at --rate relays/s (default 100,000): a read carries a turn (3 relays), not a window's
#             worth, so the reads' system calls weigh more; the same offered load for both builds
# Then (unless --no-syscalls) the server's system calls per relay, one more run of each build and configuration:
# perf stat on the syscall tracepoints of the server's process for the middle of the measured seconds, divided by
# the relays delivered meanwhile (delivered/s x seconds counted). CPU per relay is the server's CPU time (all its
# threads) over what was delivered; the syscall runs are not used for it.
#
# Usage: bench/io_uring.sh [--runs N] [--duration S] [--epoll DIR] [--uring DIR] [--out DIR] [--rate R]
#                          [--configs "1core 2shards paced"] [--no-syscalls]
#        bench/io_uring.sh [--configs "..."] --summarize RESULTS_DIR...   (the medians over earlier runs, pooled)
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
runs=3
duration=10
epoll_build="$ROOT/build"
uring_build="$ROOT/build-uring"
out=""
configs="1core 2shards paced"
rate=100000
syscalls=1
while (($#)); do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --epoll) epoll_build=$(cd "$2" && pwd); shift 2 ;;
    --uring) uring_build=$(cd "$2" && pwd); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --configs) configs=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --no-syscalls) syscalls=0; shift ;;
    --summarize) shift; exec node "$BENCH_DIR/io_uring_report.mjs" "$configs" "$@" ;;
    *) sed -n '2,18p' "$0"; exit 2 ;;
  esac
done
BENCH_BIN="$epoll_build/hearth-bench"
for bin in "$epoll_build/hearth-call" "$uring_build/hearth-call" "$BENCH_BIN"; do
  [[ -x "$bin" ]] || { echo "missing $bin: build first" >&2; exit 2; }
done
if ! grep -q '^HEARTH_IO_URING:BOOL=ON' "$uring_build/CMakeCache.txt" 2>/dev/null; then
  echo "$uring_build was not configured with -DHEARTH_IO_URING=ON" >&2
  exit 2
fi
out=${out:-$ROOT/bench/results/$(date +%F)-io_uring}
mkdir -p "$out"
# shellcheck source=lib.sh
source "$BENCH_DIR/lib.sh"
trap stop_server EXIT
ulimit -n "$(ulimit -Hn)"
unset HEARTH_THREADS  # the defaults: one shard per core of the taskset list

bin_of() { [[ $1 == uring ]] && echo "$uring_build/hearth-call" || echo "$epoll_build/hearth-call"; }

# config -> "server cpus|client cpus|hearth-bench arguments"
setup_of() {
  local common="relay --warmup 2 --duration $duration --window 16"
  case "$1" in
    1core) echo "0|1|$common --calls 100 --participants 4" ;;
    2shards) echo "0,1|0,1|$common --calls 100 --participants 4" ;;
    paced) echo "0|1|$common --calls 100 --participants 4 --rate $rate" ;;
    *) echo "unknown config $1" >&2; return 2 ;;
  esac
}

# The system calls counted per relay (a tracepoint that this kernel lacks is left out).
EVENTS=raw_syscalls:sys_enter
for call in recvfrom recvmsg sendto sendmsg epoll_ctl epoll_wait epoll_pwait io_uring_enter futex read write; do
  [[ -d /sys/kernel/tracing/events/syscalls/sys_enter_$call ]] && EVENTS+=",syscalls:sys_enter_$call"
done

echo "machine: $(nproc) cores, $(uname -r); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" |
  tee "$out/machine.txt"
for ((run = 1; run <= runs; run++)); do
  for config in $configs; do
    # Alternate which build goes first, so that neither always follows the other.
    builds="epoll uring"
    ((run % 2 == 0)) && builds="uring epoll"
    for build in $builds; do
      IFS='|' read -r server_cpus client_cpus args < <(setup_of "$config")
      HEARTH_BIN=$(bin_of "$build")
      start_server hearth "$server_cpus"
      file="$out/$config.$build.$run.json"
      echo "== $config $build run $run ($(cut -d' ' -f1 /proc/loadavg)): $HEARTH_BIN serve, taskset $server_cpus;" \
        "hearth-bench (taskset $client_cpus) $args" | tee -a "$out/commands.txt"
      # shellcheck disable=SC2086
      taskset -c "$client_cpus" "$BENCH_BIN" $args --url "$SERVER_URL" --jwt-secret "$BENCH_SECRET" \
        --server-pid "$SERVER_PID" --json >"$file" || true
      [[ -s "$file" ]] || echo '{"errors":-1}' >"$file"
      stop_server
    done
  done
done

if ((syscalls)); then
  counted=$((duration - 2))
  ((counted >= 2)) || counted=2
  for config in $configs; do
    for build in epoll uring; do
      IFS='|' read -r server_cpus client_cpus args < <(setup_of "$config")
      HEARTH_BIN=$(bin_of "$build")
      start_server hearth "$server_cpus"
      file="$out/syscalls.$config.$build.json"
      echo "== syscalls $config $build: perf stat -e $EVENTS -p SERVER for ${counted} s from 1 s into the measured" \
        "seconds of hearth-bench (taskset $client_cpus) $args" | tee -a "$out/commands.txt"
      # shellcheck disable=SC2086
      taskset -c "$client_cpus" "$BENCH_BIN" $args --url "$SERVER_URL" --jwt-secret "$BENCH_SECRET" --json \
        >"$file" &
      bench_pid=$!
      sleep 3  # the warm-up (2 s) and one measured second
      perf stat -x, -e "$EVENTS" -p "$SERVER_PID" -o "$out/syscalls.$config.$build.csv" -- sleep "$counted" || true
      wait "$bench_pid" || true
      echo "$counted" >"$out/syscalls.$config.$build.seconds"
      stop_server
    done
  done
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"

node "$BENCH_DIR/io_uring_report.mjs" "$configs" "$out" | tee "$out/summary.md"
