#!/usr/bin/env bash
# Issue 15's benchmarks: hearth-call as 2 nodes sharing Redis (and PostgreSQL or one SQLite file), the participants
# of every call split across the nodes, next to the same runs against a single node — and, for the PostgreSQL goal,
# a single node on PostgreSQL next to the Node.js baseline. In the manner of bench/compare.sh: a fresh set of
# servers (and database) per run, targets interleaved run by run, medians reported, every run's JSON kept.
#
# Usage: bench/cluster.sh [options]
#   --runs N          runs per scenario and target (default 3; the median is reported)
#   --duration S      measured seconds per run (default 10)
#   --scenarios LIST  default "relay relay-remote setup"; also "relay-local", "relay-named" (sockets name their call
#                     in the handshake: with the nginx target, a call's members meet on one node), "rest", and "relay-paced",
#                     "relay-remote-paced": the same relays at a fixed --rate for every target (see scenario_args)
#   --targets LIST    default "single cluster"; also "nginx" (the 2 nodes behind nginx, one URL: nginx's round
#                     robin places the sockets) and "baseline" (the Node.js server of bench/baseline/)
#   --store S         auto (default: relays on SQLite — one file shared by the nodes, relays never touch the store —,
#                     setup and rest on PostgreSQL, for one node too), sqlite or postgres
#   --build DIR       where hearth-call and hearth-bench are (default build)
#   --out DIR         where the results go (default bench/results/<date>-cluster)
#   --server-cpu N / --client-cpu N   the cores (default 0 and 1): EVERY server-side process — the nodes, Redis,
#                     PostgreSQL (postmaster and backends), nginx — on the first, the load generator on the second
#   --db-cpu N        the core of PostgreSQL instead (e.g. the load generator's: the database as the separate
#                     machine it is in production, the node alone on its core like the baseline)
#   --rate R          relays/s offered by the *-paced scenarios (default 40000: below what every target delivers here)
#   --quick           a check of the script itself: 1 run of 2 s, 10 calls
# With PG_STATS=1, PostgreSQL counts its statements (pg_stat_statements): <target>.<scenario>.<run>.pgstats.txt.
# Each node runs as compare.sh runs hearth-call (its defaults: pinned to one core, so one shard; the event and REST limits raised, everything
# else at its default: DATABASE_POOL_SIZE, Redis and PostgreSQL as Debian ships them, without persistence for Redis).
# CPU per operation is summed over every server-side process (hearth-bench --server-pid, once per process, read
# from /proc over the measured seconds); the summary also splits it by role.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)

runs=3
duration=10
scenarios="relay relay-remote setup"
targets="single cluster"
store=auto
build="$ROOT/build"
out=""
server_cpu=0
client_cpu=1
db_cpu=""
calls=100
paced_rate=40000
while (($#)); do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --scenarios) scenarios=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    --store) store=$2; shift 2 ;;
    --rate) paced_rate=$2; shift 2 ;;
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --server-cpu) server_cpu=$2; shift 2 ;;
    --client-cpu) client_cpu=$2; shift 2 ;;
    --db-cpu) db_cpu=$2; shift 2 ;;
    --quick) runs=1; duration=2; calls=10; shift ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
db_cpu=${db_cpu:-$server_cpu}
[[ "$store" =~ ^(auto|sqlite|postgres)$ ]] || { echo "--store must be auto, sqlite or postgres" >&2; exit 2; }
out=${out:-$BENCH_DIR/results/$(date +%Y-%m-%d-%H%M%S)-cluster}
mkdir -p "$out"
HEARTH_BIN="$build/hearth-call"
BENCH_BIN="$build/hearth-bench"
for bin in "$HEARTH_BIN" "$BENCH_BIN"; do
  [[ -x "$bin" ]] || { echo "missing $bin: build first (cmake --build $build --target hearth-call hearth-bench)" >&2; exit 2; }
done
PG_BIN=${PG_BIN_DIR:-/usr/lib/postgresql/15/bin}
REDIS_BIN=${REDIS_SERVER_PATH:-/usr/bin/redis-server}
NGINX_BIN=${NGINX_PATH:-/usr/sbin/nginx}
source "$BENCH_DIR/lib.sh"
ulimit -n "$(ulimit -Hn)"
[[ " $targets " == *" baseline "* ]] && ensure_baseline_modules

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hearth-cluster-bench.XXXXXX")
chmod 711 "$WORK"

# --- the processes of one run; each entry of PIDS has its role in ROLES ------------------------------------------
PIDS=()
ROLES=()
URLS=()
NODE_PIDS=()
REDIS_PID=""
PG_PID=""
PG_PORT=""
PG_DIR=""
PG_PASSWORD=bench-$RANDOM$RANDOM
NGINX_PID=""

free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# stop_pid PID SIGNAL: signal, wait up to 10 s, then SIGKILL.
stop_pid() {
  local pid=$1 sig=$2
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

start_redis() {
  local port dir="$RUN_DIR/redis"
  mkdir -p "$dir"
  port=$(free_port)
  taskset -c "$server_cpu" "$REDIS_BIN" --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' --appendonly no \
    --daemonize no --loglevel warning --logfile "$dir/redis.log" &
  REDIS_PID=$!
  REDIS_URL="redis://127.0.0.1:$port"
  for _ in $(seq 100); do
    [[ "$(redis-cli -p "$port" ping 2>/dev/null)" == PONG ]] && return 0
    sleep 0.1
  done
  echo "redis-server did not start: $(cat "$dir/redis.log")" >&2
  return 1
}

# PostgreSQL 15 from Debian, as the postgres system user when root (it refuses to run as root), in $WORK/pg.
pg_as() {
  if [[ $(id -u) == 0 ]]; then setpriv --reuid postgres --regid postgres --init-groups -- "$@"; else "$@"; fi
}
psql_super() { pg_as "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -At -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -c "$1"; }
start_postgres() {
  PG_DIR="$WORK/pg"
  if [[ ! -d "$PG_DIR/data" ]]; then
    mkdir -p "$PG_DIR"
    [[ $(id -u) == 0 ]] && chown postgres:postgres "$PG_DIR"
    chmod 700 "$PG_DIR"
    (cd "$PG_DIR" && pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 --no-instructions >"$PG_DIR/initdb.log" 2>&1) ||
      { cat "$PG_DIR/initdb.log" >&2; return 1; }
    PG_PORT=$(free_port)
  fi
  (cd "$PG_DIR" && exec taskset -c "$db_cpu" setpriv --reuid postgres --regid postgres --init-groups -- \
    "$PG_BIN/postgres" -D "$PG_DIR/data" -c listen_addresses=127.0.0.1 -c port="$PG_PORT" \
    -c unix_socket_directories="$PG_DIR" -c max_connections=200 -c logging_collector=off "${pg_stats_opts[@]}" \
    >"$PG_DIR/postgres.log" 2>&1) &
  PG_PID=$!
  for _ in $(seq 200); do
    psql_super 'SELECT 1' >/dev/null 2>&1 && break
    sleep 0.1
  done
  psql_super 'SELECT 1' >/dev/null || { cat "$PG_DIR/postgres.log" >&2; return 1; }
  psql_super "DROP DATABASE IF EXISTS hearth" >/dev/null
  psql_super "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hearth') THEN
                CREATE ROLE hearth LOGIN PASSWORD '$PG_PASSWORD'; END IF; END \$\$" >/dev/null
  psql_super "CREATE DATABASE hearth OWNER hearth" >/dev/null
  if ((${#pg_stats_opts[@]})); then
    pg_as "$PG_BIN/psql" -X -q -h "$PG_DIR" -p "$PG_PORT" -U postgres -d hearth -c 'CREATE EXTENSION pg_stat_statements' >/dev/null
  fi
}
# With PG_STATS=1: PostgreSQL counts its statements (pg_stat_statements), written next to each run's JSON.
pg_stats_opts=()
[[ "${PG_STATS:-0}" == 1 ]] && pg_stats_opts=(-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all)
# pg_stats FILE: the statements PostgreSQL ran, most frequent first.
pg_stats() {
  pg_as "$PG_BIN/psql" -X -q -h "$PG_DIR" -p "$PG_PORT" -U postgres -d hearth -c \
    "SELECT calls, rows, round(total_exec_time::numeric, 1) AS exec_ms, left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS query
     FROM pg_stat_statements ORDER BY calls DESC LIMIT 40" >"$1" 2>&1 || true
  pg_as "$PG_BIN/psql" -X -q -h "$PG_DIR" -p "$PG_PORT" -U postgres -d hearth -c \
    "SELECT count(*) AS sessions, round(avg(octet_length(document))) AS document_bytes,
            round(avg(pg_column_size(document))) AS stored_bytes FROM call_sessions;
     SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE n_tup_ins > 0" >>"$1" 2>&1 || true
}
# The postmaster and every process it has started (backends, checkpointer, WAL writer, …).
postgres_pids() { echo "$PG_PID"; pgrep -P "$PG_PID" || true; }

# start_node ID DATABASE_URL [extra env...]: one hearth-call node; appends to NODE_PIDS and URLS.
start_node() {
  local id=$1 db=$2; shift 2
  local dir="$RUN_DIR/node-$id"
  mkdir -p "$dir"
  local cluster_env=()
  [[ -n "$id" && "$id" != single ]] && cluster_env=(REDIS_URL="$REDIS_URL" NODE_ID="$id")
  env HEARTH_ENV=production JWT_SECRET="$BENCH_SECRET" DATABASE_URL="$db" ${HEARTH_THREADS:+HEARTH_THREADS="$HEARTH_THREADS"} \
    LOG_LEVEL="${LOG_LEVEL:-warn}" "${BENCH_LIMITS[@]}" "${cluster_env[@]}" "$@" \
    taskset -c "$server_cpu" "$HEARTH_BIN" serve --port 0 >"$dir/stdout.log" 2>"$dir/stderr.log" &
  SERVER_PID=$!
  SERVER_DIR=$dir
  wait_for_url "$dir/stdout.log"
  NODE_PIDS+=("$SERVER_PID")
  URLS+=("$SERVER_URL")
  PIDS+=("$SERVER_PID")
  ROLES+=("node $id")
  SERVER_PID=""
  # shellcheck disable=SC2034  # read by lib.sh's wait_for_url and stop_server
  SERVER_DIR=""
}

start_nginx() {
  local dir="$RUN_DIR/nginx" port
  rm -rf "$dir"
  mkdir -p "$dir"
  port=$(free_port)
  node --input-type=module -e '
    const { writeConfig } = await import(process.argv[1]);
    const [prefix, port, ...urls] = process.argv.slice(2);
    const nodes = urls.map((u, i) => ({ id: `n${i + 1}`, address: u.replace("http://", "") }));
    await writeConfig({ prefix, nodes, port: Number(port), connPerAddress: 60000, workerProcesses: 1 });' \
    "$ROOT/tests/cluster/lib/nginx.mjs" "$dir" "$port" "${URLS[@]}"
  taskset -c "$server_cpu" "$NGINX_BIN" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/stdout.log" 2>&1 &
  NGINX_PID=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 "$NGINX_PID" 2>/dev/null || { echo "nginx did not start: $(cat "$dir/stdout.log")" >&2; return 1; }
    sleep 0.1
  done
  PIDS+=("$NGINX_PID")
  ROLES+=("nginx master")
  local w
  for w in $(pgrep -P "$NGINX_PID"); do PIDS+=("$w"); ROLES+=("nginx worker"); done
  URLS=("http://127.0.0.1:$port")
}

# store_for SCENARIO: sqlite or postgres.
store_for() {
  if [[ "$store" != auto ]]; then echo "$store"; return; fi
  case "$1" in relay*) echo sqlite ;; *) echo postgres ;; esac
}

# start_target TARGET SCENARIO: everything the run needs; sets PIDS, ROLES, URLS.
start_target() {
  local target=$1 scenario=$2 db kind
  PIDS=(); ROLES=(); URLS=(); NODE_PIDS=()
  kind=$(store_for "$scenario")
  if [[ "$target" == baseline ]]; then
    start_server baseline "$server_cpu"
    PIDS=("$SERVER_PID"); ROLES=("baseline"); URLS=("$SERVER_URL")
    return
  fi
  if [[ "$kind" == postgres ]]; then
    start_postgres
    db="postgres://hearth:$PG_PASSWORD@127.0.0.1:$PG_PORT/hearth"
  else
    rm -f "$WORK"/bench.db*
    db="sqlite://$WORK/bench.db"
  fi
  case "$target" in
    single) start_node single "$db" ;;
    cluster|nginx)
      start_redis
      PIDS+=("$REDIS_PID"); ROLES+=("redis")
      local behind=()
      [[ "$target" == nginx ]] && behind=(MAX_CONNECTIONS_PER_ADDRESS=50000 ENGINEIO_HANDSHAKES_PER_MINUTE=100000
                                        MAX_UNAUTHENTICATED_PER_ADDRESS=10000)
      start_node n1 "$db" "${behind[@]}"  # the first node migrates the database before the second starts
      start_node n2 "$db" "${behind[@]}"
      [[ "$target" == nginx ]] && start_nginx
      ;;
    *) echo "unknown target $target" >&2; return 2 ;;
  esac
  if [[ "$kind" == postgres ]]; then
    local p
    for p in $(postgres_pids); do PIDS+=("$p"); ROLES+=("postgres"); done
  fi
}

stop_target() {
  stop_pid "$NGINX_PID" TERM; NGINX_PID=""
  local p
  for p in "${NODE_PIDS[@]}"; do stop_pid "$p" TERM; done
  NODE_PIDS=()
  stop_server  # the baseline
  stop_pid "$REDIS_PID" TERM; REDIS_PID=""
  stop_pid "$PG_PID" INT; PG_PID=""  # fast shutdown; the data directory is reused, the database recreated
}
cleanup() {
  stop_target
  [[ "${KEEP_SERVER_DIRS:-0}" == 1 ]] || rm -rf "$WORK"
}
trap cleanup EXIT

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)')"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p') x $(nproc)"
  echo "kernel: $(uname -sr)"
  echo "redis: $("$REDIS_BIN" --version | sed -n 's/.*v=\([^ ]*\).*/\1/p'), postgres: $("$PG_BIN/postgres" --version | awk '{print $3}'), nginx: $("$NGINX_BIN" -v 2>&1 | sed 's|.*/||')"
  echo "node: $(node --version)"
  echo "open files: $(ulimit -n)"
  echo "pinned: core $server_cpu = every server-side process (hearth-call nodes with ${HEARTH_THREADS:-their default} shard(s), redis-server, postgres and its backends, nginx); core $client_cpu = hearth-bench; postgres on core $db_cpu"
  echo "store: $store (auto: relays on SQLite, one file shared by the nodes; setup and rest on PostgreSQL)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/machine.txt"
cat "$out/machine.txt"

scenario_args() {
  case "$1" in
    relay) echo "relay --calls $calls --participants 4 --window 16 --warmup 3 --duration $duration" ;;
    relay-remote) echo "relay --calls $calls --participants 4 --window 16 --warmup 3 --duration $duration --relay-to remote" ;;
    relay-local) echo "relay --calls $calls --participants 4 --window 16 --warmup 3 --duration $duration --relay-to local" ;;
    relay-named) echo "relay --calls $calls --participants 4 --window 16 --warmup 3 --duration $duration --call-in-handshake" ;;
    relay-paced) echo "relay --calls $calls --participants 4 --window 16 --warmup 3 --duration $duration --rate $paced_rate" ;;
    relay-remote-paced) echo "relay --calls $calls --participants 4 --window 16 --warmup 3 --duration $duration --relay-to remote --rate $paced_rate" ;;
    setup) echo "setup --calls 1000000 --concurrency 16 --participants 4 --duration $duration" ;;
    rest) echo "rest --concurrency 32 --warmup 2 --duration $duration" ;;
    *) echo "unknown scenario $1" >&2; return 2 ;;
  esac
}

for scenario in $scenarios; do
  for ((run = 1; run <= runs; run++)); do
    for target in $targets; do
      # One node has no other node to relay to (relay-remote), and the baseline only does what compare.sh does.
      [[ "$scenario" == relay-remote* || "$scenario" == relay-local ]] && [[ "$target" == single || "$target" == baseline ]] && continue
      [[ "$target" == baseline && "$scenario" == relay* ]] && continue
      args=$(scenario_args "$scenario")
      RUN_DIR="$WORK/$target.$scenario.$run"
      mkdir -p "$RUN_DIR"
      start_target "$target" "$scenario"
      file="$out/$target.$scenario.$run.json"
      url_args=() pid_args=()
      for u in "${URLS[@]}"; do url_args+=(--url "$u"); done
      for p in "${PIDS[@]}"; do pid_args+=(--server-pid "$p"); done
      # shellcheck disable=SC2046  # pid=role words (roles have no spaces)
      node -e 'console.log(JSON.stringify(Object.fromEntries(process.argv.slice(1).map((x) => x.split("=")))))' \
        $(for i in "${!PIDS[@]}"; do echo "${PIDS[$i]}=${ROLES[$i]// /_}"; done) >"$out/$target.$scenario.$run.roles.json"
      echo "== $scenario run $run: $target (store $(store_for "$scenario"); ${URLS[*]}; load $(cut -d" " -f1 /proc/loadavg))  hearth-bench $args" | tee -a "$out/commands.txt"
      echo "   processes: $(for i in "${!PIDS[@]}"; do printf '%s=%s ' "${ROLES[$i]// /_}" "${PIDS[$i]}"; done)" >>"$out/commands.txt"
      # shellcheck disable=SC2086
      taskset -c "$client_cpu" "$BENCH_BIN" $args "${url_args[@]}" --jwt-secret "$BENCH_SECRET" "${pid_args[@]}" \
        --json >"$file" || true
      [[ -s "$file" ]] || echo '{"errors":-1,"error_samples":["hearth-bench produced no output"]}' >"$file"
      [[ -n "$PG_PID" && ${#pg_stats_opts[@]} -gt 0 ]] && pg_stats "$out/$target.$scenario.$run.pgstats.txt"
      node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
               console.log("   errors", r.errors, JSON.stringify(r.error_samples || []).slice(0, 300));
               process.exit(r.errors === 0 ? 0 : 1);' "$file" ||
        { mkdir -p "$out/$target.$scenario.$run.logs"  # what the servers said, and whether they are still alive
          for i in "${!PIDS[@]}"; do
            kill -0 "${PIDS[$i]}" 2>/dev/null || echo "${ROLES[$i]} (pid ${PIDS[$i]}) had exited"; done \
            >"$out/$target.$scenario.$run.logs/exited.txt"
          cp -r "$RUN_DIR"/. "$out/$target.$scenario.$run.logs/" 2>/dev/null || true
          [[ -n "$PG_DIR" ]] && cp "$PG_DIR/postgres.log" "$out/$target.$scenario.$run.logs/" 2>/dev/null || true; }
      stop_target
    done
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"
node "$BENCH_DIR/cluster_report.mjs" "$out" | tee "$out/summary.md"
echo "results: $out"
