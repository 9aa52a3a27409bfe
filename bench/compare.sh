#!/usr/bin/env bash
# Runs each benchmark scenario against hearth-call and the Node.js baseline in one go, the server pinned to one
# core and the load generator to the other, a fresh server (and database) per run, the targets interleaved run
# by run so that drift in the machine's load hits both alike. Prints the medians, the ratios and the goals of
# issue 5, and keeps every run's JSON.
#
# Usage: bench/compare.sh [options]
#   --runs N          runs per scenario and target (default 3; the median is reported)
#   --duration S      measured seconds per run (default 10)
#   --scenarios LIST  default "relay relay-half setup idle rest rest-initiate micro" (micro: hearth-micro, pinned
#                     to the server's core, output kept as micro.txt)
#   --targets LIST    default "hearth baseline"; also "bare-beast bare-lean" (relay scenarios only)
#   --build DIR       where hearth-call, hearth-bench and bare-relay are (default build)
#   --out DIR         where the results go (default bench/results/<date>)
#   --server-cpu N / --client-cpu N   the cores (default 0 and 1)
#   --quick           a check of the script itself: 1 run of 2 s, 10 calls, 500 idle sockets
# The servers run with SOCKET_EVENTS_PER_SECOND and RATE_LIMIT_PER_MINUTE raised (see bench/lib.sh) and
# hearth-call with its defaults (pinned to one core: one shard; HEARTH_THREADS is passed on only if set); the open-file limit is raised to the hard limit (idle needs 19 000 sockets).
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)

runs=3
duration=10
scenarios="relay relay-half setup idle rest rest-initiate micro"
targets="hearth baseline"
build="$ROOT/build"
out=""
server_cpu=0
client_cpu=1
calls=100
sockets=19000
while (($#)); do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --scenarios) scenarios=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --server-cpu) server_cpu=$2; shift 2 ;;
    --client-cpu) client_cpu=$2; shift 2 ;;
    --quick) runs=1; duration=2; calls=10; sockets=500; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
out=${out:-$BENCH_DIR/results/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
HEARTH_BIN="$build/hearth-call"
BENCH_BIN="$build/hearth-bench"
BARE_BIN="$build/bare-relay"
for bin in "$HEARTH_BIN" "$BENCH_BIN"; do
  [[ -x "$bin" ]] || { echo "missing $bin: build first (cmake --build $build --target hearth-call hearth-bench bare-relay)" >&2; exit 2; }
done
source "$BENCH_DIR/lib.sh"
ulimit -n "$(ulimit -Hn)"
[[ " $targets " == *" baseline "* ]] && ensure_baseline_modules

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)')"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p') x $(nproc)"
  echo "kernel: $(uname -sr)"
  echo "node: $(node --version)"
  echo "open files: $(ulimit -n)"
  echo "server core: $server_cpu, load generator core: $client_cpu"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/machine.txt"
cat "$out/machine.txt"

# Arguments of hearth-bench per scenario (relay-half adds --rate from the relay runs of the same target).
scenario_args() {
  case "$1" in
    relay|relay-half) echo "relay --calls $calls --participants 4 --window 16 --warmup 3 --duration $duration" ;;
    setup) echo "setup --calls 1000000 --concurrency 16 --participants 4 --duration $duration" ;;
    idle) echo "idle --sockets $sockets --concurrency 256 --duration $duration" ;;
    rest) echo "rest --concurrency 32 --warmup 2 --duration $duration" ;;
    rest-initiate) echo "rest --concurrency 32 --mix 1:0:0 --warmup 2 --duration $duration" ;;
    *) echo "unknown scenario $1" >&2; return 2 ;;
  esac
}

# Half of the median relay rate of a target, from its relay runs in this results directory.
half_rate() {
  node -e '
    const fs = require("fs"), path = require("path");
    const [dir, target] = process.argv.slice(1);
    const v = fs.readdirSync(dir).filter((f) => f.startsWith(`${target}.relay.`))
      .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")).delivered_per_sec).filter((x) => x > 0)
      .sort((a, b) => a - b);
    if (!v.length) process.exit(1);
    console.log(Math.round(v[Math.floor(v.length / 2)] / 2));' "$out" "$1"
}

trap stop_server EXIT
for scenario in $scenarios; do
  if [[ "$scenario" == micro ]]; then
    if [[ -x "$build/hearth-micro" ]]; then
      echo "== micro: hearth-micro" | tee -a "$out/commands.txt"
      taskset -c "$server_cpu" "$build/hearth-micro" --benchmark_repetitions="$runs" --benchmark_report_aggregates_only=true \
        >"$out/micro.txt" 2>&1 || echo "   hearth-micro failed (see micro.txt)"
    else
      echo "== micro: $build/hearth-micro not built (libbenchmark-dev missing?)"
    fi
    continue
  fi
  for ((run = 1; run <= runs; run++)); do
    for target in $targets; do
      case "$target" in
        bare-*) [[ "$scenario" == relay* ]] || continue; kind=bare; export BARE_MODE=${target#bare-} ;;
        *) kind=$target ;;
      esac
      args=$(scenario_args "$scenario")
      if [[ "$scenario" == relay-half ]]; then
        rate=$(half_rate "$target") || { echo "relay-half needs relay runs of $target first" >&2; continue; }
        args="$args --rate $rate"
      fi
      start_server "$kind" "$server_cpu"
      file="$out/$target.$scenario.$run.json"
      echo "== $scenario run $run: $target ($SERVER_URL)  hearth-bench $args" | tee -a "$out/commands.txt"
      # shellcheck disable=SC2086
      taskset -c "$client_cpu" "$BENCH_BIN" $args --url "$SERVER_URL" --jwt-secret "$BENCH_SECRET" \
        --server-pid "$SERVER_PID" --json >"$file" || true
      [[ -s "$file" ]] || echo '{"errors":-1,"error_samples":["hearth-bench produced no output"]}' >"$file"
      node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
               console.log("   errors", r.errors, JSON.stringify(r.error_samples || []).slice(0, 300));' "$file"
      stop_server
    done
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"
node "$BENCH_DIR/compare_report.mjs" "$out" | tee "$out/summary.md"
if [[ -f "$out/micro.txt" ]]; then
  { echo '### micro (hearth-micro, median of the repetitions)'; echo; echo '```'
    grep -E '^BM_.*_median' "$out/micro.txt"; echo '```'; } | tee -a "$out/summary.md"
fi
echo "results: $out"
