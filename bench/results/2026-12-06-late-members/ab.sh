#!/usr/bin/env bash
# A/B of hearth-call binaries on rest-initiate: alternating runs, per-thread CPU split from /proc.
# Usage: init-ab.sh ROUNDS DURATION OUTDIR BIN...
set -uo pipefail
rounds=$1; dur=$2; out=$3; shift 3
BENCH_DIR=/work/main/bench
BENCH_BIN=/work/main/build/hearth-bench
source $BENCH_DIR/lib.sh
ulimit -n "$(ulimit -Hn)"
mkdir -p "$out"
ticks() { # pid -> "name:ticks ..." per thread
  for t in /proc/$1/task/*; do
    local st; st=$(cat $t/stat 2>/dev/null) || continue
    local rest=${st#*) }; set -- $rest
    echo "$(cat $t/comm 2>/dev/null | tr ' ' _)/${t##*/} $(( ${12} + ${13} ))"
  done
}
trap stop_server EXIT
for ((r = 1; r <= rounds; r++)); do
  for bin in "$@"; do
    HEARTH_BIN=$bin
    name=$(basename $bin)
    start_server hearth 0
    taskset -c 1 $BENCH_BIN rest --concurrency 32 --mix 1:0:0 --warmup 2 --duration $dur --url "$SERVER_URL" \
      --jwt-secret "$BENCH_SECRET" --server-pid "$SERVER_PID" --json > $out/$name.$r.json &
    bp=$!
    sleep 2.3; ticks $SERVER_PID > $out/$name.$r.t0
    wait $bp
    ticks $SERVER_PID > $out/$name.$r.t1
    stop_server
    node -e '
      const fs=require("fs"); const [f,t0,t1]=process.argv.slice(1);
      const r=JSON.parse(fs.readFileSync(f,"utf8"));
      const rd=(p)=>Object.fromEntries(fs.readFileSync(p,"utf8").trim().split("\n").map(l=>l.split(" ")).map(([k,v])=>[k,+v]));
      const a=rd(t0), b=rd(t1); const d={}; let tot=0;
      for (const k in b) { const x=(b[k]-(a[k]||0)); if (x>0) { d[k]=x; tot+=x; } }
      const split=Object.entries(d).sort((p,q)=>q[1]-p[1]).map(([k,v])=>`${k} ${(r.server_cpu_us_per_request*v/tot).toFixed(1)}`).join(", ");
      console.log(`${process.argv[4]} ${r.initiates_per_sec.toFixed(0)}/s  cpu ${r.server_cpu_us_per_request.toFixed(1)} us/req  p99 ${r.latency_ms.p99.toFixed(2)}  err ${r.errors}  [${split}]`);
    ' $out/$name.$r.json $out/$name.$r.t0 $out/$name.$r.t1 "$name.$r" $dur | tee -a $out/log.txt
  done
done
