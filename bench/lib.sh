# Shared by bench/compare.sh and bench/smoke.sh (source it): starting and stopping the servers under test.
# Each server gets its own temporary directory (database, logs), a free port (port 0), and the limits raised so
# that the load generator measures the server rather than its rate limiters.

BENCH_SECRET=${BENCH_SECRET:-hearth-bench-secret-0123456789}
# Per-socket event and per-user REST limits: far above any benchmark's rate (documented in BENCHMARKS.md).
BENCH_LIMITS=(SOCKET_EVENTS_PER_SECOND=10000000 RATE_LIMIT_PER_MINUTE=100000000)

SERVER_PID=""
SERVER_URL=""
SERVER_DIR=""

# wait_for_url FILE: the URL from a "... listening on http://HOST:PORT" line, within 15 s.
wait_for_url() {
  local file=$1 i
  for ((i = 0; i < 150; i++)); do
    if SERVER_URL=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$file" 2>/dev/null) && [[ -n "$SERVER_URL" ]]; then
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "server did not start; its log:" >&2
  cat "$SERVER_DIR"/*.log >&2 || true
  return 1
}

# start_server KIND [taskset CPU list]: KIND is hearth or baseline. Sets SERVER_PID, SERVER_URL, SERVER_DIR.
start_server() {
  local kind=$1 cpus=${2:-}
  local pin=()
  [[ -n "$cpus" ]] && pin=(taskset -c "$cpus")
  SERVER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hearth-bench-$kind.XXXXXX")
  case "$kind" in
    hearth)
      # The defaults, as users get them: one shard per core the process may use (the taskset list). HEARTH_THREADS
      # from the environment overrides, as for any server.
      env HEARTH_ENV=production JWT_SECRET="$BENCH_SECRET" DATABASE_URL="sqlite://$SERVER_DIR/bench.db" \
        ${HEARTH_THREADS:+HEARTH_THREADS="$HEARTH_THREADS"} LOG_LEVEL="${LOG_LEVEL:-warn}" "${BENCH_LIMITS[@]}" \
        "${pin[@]}" "$HEARTH_BIN" serve --port 0 >"$SERVER_DIR/stdout.log" 2>"$SERVER_DIR/stderr.log" &
      ;;
    baseline)
      env JWT_SECRET="$BENCH_SECRET" NODE_ENV=production "${BENCH_LIMITS[@]}" \
        "${pin[@]}" node "$BENCH_DIR/baseline/server.js" --port 0 >"$SERVER_DIR/stdout.log" 2>"$SERVER_DIR/stderr.log" &
      ;;
    bare)
      "${pin[@]}" "$BARE_BIN" --port 0 --mode "${BARE_MODE:-beast}" >"$SERVER_DIR/stdout.log" 2>"$SERVER_DIR/stderr.log" &
      ;;
    *) echo "unknown server kind $kind" >&2; return 2 ;;
  esac
  SERVER_PID=$!
  wait_for_url "$SERVER_DIR/stdout.log"
}

stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  [[ -n "$SERVER_DIR" && "${KEEP_SERVER_DIRS:-0}" != 1 ]] && rm -rf "$SERVER_DIR"
  SERVER_PID=""
  SERVER_DIR=""
}

ensure_baseline_modules() {
  if [[ ! -f "$BENCH_DIR/baseline/node_modules/.package-lock.json" ]] ||
     ! cmp -s "$BENCH_DIR/baseline/package-lock.json" "$BENCH_DIR/baseline/node_modules/.lock-installed"; then
    (cd "$BENCH_DIR/baseline" && npm ci --no-audit --no-fund --loglevel=error &&
     cp package-lock.json node_modules/.lock-installed)
  fi
}
