#!/usr/bin/env bash
source /work/main/bench/lib.sh
ulimit -n "$(ulimit -Hn)"
for bin in "$@"; do
  HEARTH_BIN=$bin
  start_server hearth 0
  taskset -c 1 /work/main/build-init/hearth-bench rest --concurrency 32 --mix 1:0:0 --warmup 2 --duration 8 --url "$SERVER_URL" --jwt-secret "$BENCH_SECRET" --server-pid "$SERVER_PID" --json > /tmp/init-res/sc.json &
  bp=$!
  sleep 3
  perf stat -x, -e syscalls:sys_enter_pwrite64,syscalls:sys_enter_pread64,syscalls:sys_enter_fdatasync -p $SERVER_PID -o /tmp/init-res/sc.perf -- sleep 5 >/dev/null 2>&1
  wait $bp
  stop_server
  rate=$(node -e 'console.log(JSON.parse(require("fs").readFileSync("/tmp/init-res/sc.json","utf8")).initiates_per_sec)')
  echo "$(basename $bin) rate $rate: $(grep syscalls /tmp/init-res/sc.perf | awk -F, -v r=$rate '{printf "%s %.2f/initiate  ", $3, $1/(r*5)}')"
done
