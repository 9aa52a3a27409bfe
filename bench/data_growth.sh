#!/usr/bin/env bash
# Cost as the data grows (issue 16): hearth-call on its default store (SQLite) with 0, 100,000, 1,000,000 and
# 10,000,000 stored sessions. For each size it seeds a database with hearth-seed (or reuses the one it seeded before,
# under --cache), then measures:
#   - the database size and bytes per session (the file after a TRUNCATE checkpoint), and per table and index;
#   - the query plans of the sweep's due() query, the history query and its count (the SQL is read from
#     src/store/sqlite/sqlite_repository.cpp, so the plans are of the statements the server runs), and the pages and
#     steps the due() query takes (sqlite3's .stats);
#   - the sweeper's store operation, nothing due and every live call due (a full batch of 500; hearth-seed sweep), and
#     Repository::history() in-process for a heavy user, first and last page (hearth-seed history);
#   - the real server (build/hearth-call serve, its defaults, DATABASE_URL on the seeded file, pinned to
#     --server-cpu): start-up time from the process start to the first 200 of GET /readyz (which answers once the
#     store thread has answered a ping), then GET /api/video-call/history p50/p99 and server CPU per request for
#     the heavy users (hearth-bench rest --mix 0:0:1, one connection, pinned to --client-cpu), --runs times.
# Results: one JSON per measurement and summary.md under --out (default bench/results/<date>-growth).
#
# Usage: bench/data_growth.sh [options]
#   --sizes LIST      default "0 20000 100000 1000000 10000000" (0: an empty database, created by the server;
#                     20000: the heavy users' first page is full but short histories, the reference)
#   --runs N          server runs per size (default 3; medians are reported)
#   --duration S      measured seconds of history per run (default 10)
#   --cache DIR       where seeded databases are kept for reuse (default /tmp/hearth-grow)
#   --build DIR       where hearth-call, hearth-bench and hearth-seed are (default build)
#   --out DIR         results (default bench/results/<yyyy-mm-dd>-growth)
#   --server-cpu N / --client-cpu N   the cores (default 0 and 1)
#   --drop            remove each seeded database after measuring it (disk space)
# The server runs with RATE_LIMIT_PER_MINUTE raised (bench/lib.sh's BENCH_LIMITS), otherwise with its defaults.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)

sizes="0 20000 100000 1000000 10000000"
runs=3
duration=10
cache=/tmp/hearth-grow
build="$ROOT/build"
out=""
server_cpu=0
client_cpu=1
drop=0
while (($#)); do
  case "$1" in
    --sizes) sizes=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --cache) cache=$2; shift 2 ;;
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --server-cpu) server_cpu=$2; shift 2 ;;
    --client-cpu) client_cpu=$2; shift 2 ;;
    --drop) drop=1; shift ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
out=${out:-$BENCH_DIR/results/$(date -u +%Y-%m-%d)-growth}
mkdir -p "$out" "$cache"
HEARTH_BIN="$build/hearth-call"
BENCH_BIN="$build/hearth-bench"
SEED_BIN="$build/hearth-seed"
for bin in "$HEARTH_BIN" "$BENCH_BIN" "$SEED_BIN"; do
  [[ -x "$bin" ]] || { echo "missing $bin: build first (cmake --build $build --target hearth-call hearth-bench hearth-seed)" >&2; exit 2; }
done
command -v sqlite3 >/dev/null || { echo "sqlite3 (the CLI) is needed for the query plans" >&2; exit 2; }
source "$BENCH_DIR/lib.sh"  # BENCH_SECRET, BENCH_LIMITS

# sql_of NAME: the string literal constant NAME of sqlite_repository.cpp, its pieces joined.
sql_of() {
  python3 - "$ROOT/src/store/sqlite/sqlite_repository.cpp" "$1" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r'\b' + re.escape(sys.argv[2]) + r'\s*=\s*((?:\s*"(?:[^"\\]|\\.)*")+)\s*;', text)
if not m: sys.exit(f"{sys.argv[2]} not found in sqlite_repository.cpp")
print("".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))))
EOF
}
due_sql=$(sql_of due_sql)
history_sql=$(sql_of history_sql)
count_sql=$(sql_of count_sql)

# start_timed DB_URL LOG: starts hearth-call; prints "PID URL STARTUP_MS", the start-up being the time from the
# fork to the first 200 of GET /readyz (polled every millisecond).
start_timed() {
  python3 - "$1" "$2" "$HEARTH_BIN" "$server_cpu" "$BENCH_SECRET" "${BENCH_LIMITS[@]}" <<'EOF'
import http.client, os, re, subprocess, sys, time
url, log, binary, cpu, secret, *limits = sys.argv[1:]
env = dict(os.environ, HEARTH_ENV="production", JWT_SECRET=secret, DATABASE_URL=url, LOG_LEVEL="warn")
env.update(kv.split("=", 1) for kv in limits)
with open(log, "w") as f:
    t0 = time.monotonic()
    p = subprocess.Popen(["taskset", "-c", cpu, binary, "serve", "--port", "0"], env=env, stdout=f,
                         stderr=subprocess.STDOUT, start_new_session=True)
address = None
while time.monotonic() - t0 < 60:
    if p.poll() is not None: sys.exit(f"hearth-call exited: see {log}")
    if address is None:
        m = re.search(r"listening on http://([^ :]+):(\d+)", open(log).read())
        if m: address = (m.group(1), int(m.group(2)))
    else:
        try:
            c = http.client.HTTPConnection(*address, timeout=5)
            c.request("GET", "/readyz")
            if c.getresponse().status == 200:
                print(p.pid, f"http://{address[0]}:{address[1]}", round((time.monotonic() - t0) * 1000, 1))
                sys.exit(0)
        except OSError:
            pass
    time.sleep(0.001)
p.kill()
sys.exit("hearth-call was not ready within 60 s")
EOF
}

stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)')"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) x $(nproc); memory: $(free -g | awk '/Mem:/{print $2}') GB"
  echo "sqlite: $(sqlite3 --version | cut -d' ' -f1); disk: $(df -h "$cache" | awk 'NR==2{print $1, $2}')"
  echo "pinned: hearth-call on core $server_cpu, hearth-bench on core $client_cpu; page cache warm (never dropped)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/machine.txt"

echo "| sessions | DB size | bytes/session | seeding | start-up (ms, median) | history p50 / p99 (ms) | server CPU / history (µs) | sweep pass, nothing due | sweep pass, 500 due | due() pages read (nothing due / 500 due) |" >"$out/summary.md"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" >>"$out/summary.md"

for size in $sizes; do
  tag=$size
  work=$(mktemp -d "${TMPDIR:-/tmp}/hearth-growth.XXXXXX")
  seeding="-"
  if [[ $size == 0 ]]; then
    db="$work/empty.db"
  else
    db="$cache/$size.db"
    if [[ -f "$db.meta" ]] && grep -qx "SEED_SESSIONS=$size" "$db.meta"; then
      echo "== $size: reusing $db"
    else
      rm -f "$db" "$db-wal" "$db-shm" "$db.meta"
      echo "== $size: seeding $db"
      "$SEED_BIN" seed --db "$db" --sessions "$size" >"$out/seed.$tag.json"
    fi
    # shellcheck disable=SC1090
    source "$db.meta"
    seeding=$(python3 -c "print(f'{$SEED_SECONDS:.0f} s ({$SEED_SESSIONS / $SEED_SECONDS:,.0f}/s)')")
    now_ms=$(($(date +%s%N) / 1000000))
    echo "   seeded $(((now_ms - SEED_NOW_MS) / 60000)) min ago ($SEED_LIVE live, $SEED_RINGING ringing: due within a minute; the answered ones 20 to 60 min after)"

    # Query plans and the due() query's reads, on a read-only connection of its own (a cold page cache).
    {
      echo "-- due_sql: $due_sql"
      sqlite3 -readonly "$db" "EXPLAIN QUERY PLAN $due_sql"
      echo "-- history_sql: $history_sql"
      sqlite3 -readonly "$db" "EXPLAIN QUERY PLAN $history_sql"
      echo "-- count_sql: $count_sql"
      sqlite3 -readonly "$db" "EXPLAIN QUERY PLAN $count_sql"
      for at in "$SEED_NOW_MS" "$((SEED_NOW_MS + 3660000))"; do
        q=${due_sql//\?1/$at}
        q=${q//\?2/500}
        echo "-- due() at seeding time + $(((at - SEED_NOW_MS) / 1000)) s: rows, then .stats"
        printf '.stats on\nSELECT COUNT(*) FROM (%s);\n' "$q" | sqlite3 -readonly "$db" |
          grep -E '^[0-9]+$|Page cache (hits|misses)|Fullscan Steps|Sort Operations|Virtual Machine Steps'
      done
    } >"$out/plans.$tag.txt"
    cat "$out/plans.$tag.txt"
    sqlite3 -readonly "$db" "SELECT name, SUM(pgsize), printf('%.0f', SUM(pgsize) * 1.0 / $size) FROM dbstat
      GROUP BY name ORDER BY SUM(pgsize) DESC" | column -t -s '|' -N 'table/index,bytes,bytes/session' >"$out/tables.$tag.txt"
    "$SEED_BIN" sweep --db "$db" --runs 20 >"$out/sweep.$tag.json"
    "$SEED_BIN" history --db "$db" --user "$SEED_PREFIX-h0-0" --runs 50 >"$out/history-store.$tag.json"
    cat "$out/sweep.$tag.json" "$out/history-store.$tag.json"
  fi

  startups=()
  for run in $(seq "$runs"); do
    read -r pid url startup < <(start_timed "sqlite://$db" "$work/server.$run.log")
    taskset -c "$client_cpu" "$BENCH_BIN" rest --url "$url" --jwt-secret "$BENCH_SECRET" --server-pid "$pid" \
      --concurrency 1 --mix 0:0:1 --user-prefix "${SEED_PREFIX:-grow}" --warmup 2 --duration "$duration" --json \
      >"$out/history.$tag.$run.json"
    stop_pid "$pid"
    read -r p50 p99 cpu < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
h = r["by_kind"]["history"]
print(h["p50"], h["p99"], r.get("server_cpu_us_per_request", 0))' "$out/history.$tag.$run.json")
    echo "   run $run: start-up ${startup} ms, history p50 ${p50} ms p99 ${p99} ms, server CPU ${cpu} µs/request"
    startups+=("$startup")
  done
  bytes=$(($(stat -c %s "$db") + $(stat -c %s "$db-wal" 2>/dev/null || echo 0)))
  python3 - "$out" "$tag" "$size" "$bytes" "$seeding" "${startups[*]}" <<'EOF' | tee -a "$out/summary.md"
import json, os, re, statistics, sys
out, tag, size, nbytes, seeding, startups = sys.argv[1:]
size, nbytes = int(size), int(nbytes)
med = statistics.median
runs = [json.load(open(os.path.join(out, f))) for f in sorted(os.listdir(out)) if f.startswith(f"history.{tag}.")]
h = [r["by_kind"]["history"] for r in runs]
cpu = med([r.get("server_cpu_us_per_request", 0) for r in runs])
row = [f"{size:,}", f"{nbytes / 1e6:,.1f} MB", f"{nbytes // size:,}" if size else "-", seeding,
       f"{med([float(x) for x in startups.split()]):.0f}",
       f"{med([x['p50'] for x in h]):.3f} / {med([x['p99'] for x in h]):.3f}", f"{cpu:.0f}"]
if size:
    s = json.load(open(os.path.join(out, f"sweep.{tag}.json")))
    plans = open(os.path.join(out, f"plans.{tag}.txt")).read()
    misses = re.findall(r"Page cache misses:\s+(\d+)", plans)
    row += [f"{s['nothing_due']['p50_ms']:.3f} ms ({s['nothing_due']['rows']} rows)",
            f"{s['all_live_due']['p50_ms']:.1f} ms ({s['all_live_due']['rows']} rows)", " / ".join(misses)]
else:
    row += ["-", "-", "-"]
print("| " + " | ".join(row) + " |")
EOF
  rm -rf "$work"
  if [[ $drop == 1 && $size != 0 ]]; then rm -f "$db" "$db-wal" "$db-shm"; fi
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"
echo "results: $out"
