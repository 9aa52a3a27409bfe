#!/usr/bin/env bash
# Where a server's time goes during one hearth-bench scenario: starts the server pinned to one core, drives it
# from the other, records it with perf for a few seconds in the middle of the run, and prints its CPU time by
# category (self time of each symbol, grouped) and the top symbols. Build with frame pointers for readable call
# graphs (cmake -DCMAKE_CXX_FLAGS="-g -fno-omit-frame-pointer"); the categories need only symbols.
#
# Usage: bench/profile.sh [--build DIR] [--seconds N] [--out FILE.perf] [--dwarf] KIND -- HEARTH-BENCH-ARGS...
#   KIND: hearth | baseline | bare-beast | bare-lean
# Example: bench/profile.sh hearth -- relay --calls 100 --participants 4 --window 16 --warmup 3 --duration 10
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
build="$ROOT/build"
seconds=5
out=""
callgraph=(-g)
while (($#)); do
  case "$1" in
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --dwarf) callgraph=(--call-graph dwarf,16384); shift ;;
    --) shift; break ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) kind=$1; shift ;;
  esac
done
[[ -n "${kind:-}" && $# -gt 0 ]] || { sed -n '2,10p' "$0"; exit 2; }
HEARTH_BIN="$build/hearth-call"
BENCH_BIN="$build/hearth-bench"
BARE_BIN="$build/bare-relay"
out=${out:-$(mktemp "${TMPDIR:-/tmp}/hearth-profile.XXXXXX.perf")}
source "$BENCH_DIR/lib.sh"
ulimit -n "$(ulimit -Hn)"
case "$kind" in
  bare-*) export BARE_MODE=${kind#bare-}; server_kind=bare ;;
  *) server_kind=$kind ;;
esac

trap stop_server EXIT
start_server "$server_kind" 0
taskset -c 1 "$BENCH_BIN" "$@" --url "$SERVER_URL" --jwt-secret "$BENCH_SECRET" --server-pid "$SERVER_PID" &
bench_pid=$!
sleep "${PROFILE_DELAY:-4}"  # past the set-up and the warm-up
perf record -F 2000 "${callgraph[@]}" -o "$out" -p "$SERVER_PID" -- sleep "$seconds" 2>&1 | tail -1 >&2
wait "$bench_pid" || true

echo
echo "CPU time by category (self time of the symbols; $out):"
perf report -i "$out" --no-children --sort dso,sym -g none --stdio 2>/dev/null | awk '
  /^ *[0-9.]+%/ {
    pct = $1 + 0; line = $0
    if (line ~ /\[k\]/) c = "kernel: TCP/IP, syscalls, epoll, scheduler"
    else if (line ~ /sqlite/) c = "SQLite"
    else if (line ~ /malloc|free|_int_|operator new|operator delete|unlink_chunk|tcache|consolidate/) c = "allocator (malloc/free)"
    else if (line ~ /json|jsontext|check_json|basic_parser|utf8|FrameParser|decode_|split_event|append_quoted|top_level|encode_relay|first_argument|value_end|string_end|base64|jwt|jansson|libcrypto|sha|hmac/) c = "parsing, encoding, JWT (JSON, UTF-8, frames)"
    else if (line ~ /asio|strand|scheduler|executor|pthread_mutex|_Sp_counted|shared_count|weak/) c = "Asio dispatch: posts, strands, locks, shared_ptr"
    else if (line ~ /node|v8|uv_|\[unknown\]|perf-[0-9]+\.map|JIT/) c = "Node.js / V8 (JIT code unresolved)"
    else if (line ~ /mem(cpy|move|cmp|set)|strlen|__memchr/) c = "libc string/memory functions"
    else c = "other user space"
    sum[c] += pct
  }
  END { for (c in sum) printf "  %6.2f%%  %s\n", sum[c], c }' | sort -rn
echo
echo "Top symbols (self time):"
perf report -i "$out" --no-children --sort dso,sym -g none --stdio 2>/dev/null | grep -E '^ *[0-9.]+%' | head -25 | cut -c1-150
