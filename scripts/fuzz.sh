#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser of untrusted input (tests/fuzz), with libFuzzer, ASan and UBSan, for a
# fixed time per target; part of ./dev test. Builds the targets in build-fuzz (clang, every library instrumented).
# Usage: scripts/fuzz.sh [--seconds N] [--jobs N] [target...]
#   --seconds N   time per target (default 20)        --jobs N   targets run at once (default: the number of cores)
#   target...     some targets only (default: all, from tests/fuzz/CMakeLists.txt)
# Exits non-zero if a target crashes, leaks, times out or breaks one of its invariants; the input that did it is
# left in build-fuzz/fuzz-artifacts/ (replay: build-fuzz/<target>_fuzz FILE). New coverage goes to
# build-fuzz/fuzz-corpus/<target>/, never to the seed corpus in the source tree.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=20
jobs=$(nproc)
targets=()
while (($#)); do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done

dir=build-fuzz
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# -O1 -g without NDEBUG: fast enough, readable stacks, library assertions kept. Warnings are the other builds' job.
cmake -S . -B "$dir" -G Ninja "${launcher[@]}" -DCMAKE_CXX_COMPILER=clang++ -DHEARTH_BENCH=OFF -DHEARTH_WERROR=OFF \
  -DHEARTH_SANITIZE=address -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link >/dev/null
((${#targets[@]})) || read -ra targets <"$dir/fuzz_targets.txt"
cmake --build "$dir" -j "$(nproc)" --target "${targets[@]/%/_fuzz}"

mkdir -p "$dir/fuzz-logs" "$dir/fuzz-artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {  # $1 target: its seeds, plus what earlier runs found
  local t=$1
  mkdir -p "$dir/fuzz-corpus/$t"
  "$dir/${t}_fuzz" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/fuzz-artifacts/$t-" "$dir/fuzz-corpus/$t" "tests/fuzz/corpus/$t" >"$dir/fuzz-logs/$t.log" 2>&1
}

echo "==> fuzzing ${#targets[@]} targets, ${seconds} s each, ${jobs} at a time (ASan+UBSan, libFuzzer)"
start=$SECONDS
declare -A pid_of
for t in "${targets[@]}"; do
  while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
  run_one "$t" &
  pid_of[$t]=$!
done

failed=()
printf '%-16s %12s %9s %7s %7s %7s  %s\n' target executions exec/s cov ft corpus result
for t in "${targets[@]}"; do
  result=ok
  wait "${pid_of[$t]}" || result=FAILED
  log="$dir/fuzz-logs/$t.log"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '(DONE|pulse|NEW|REDUCE|INITED) +cov:' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  printf '%-16s %12s %9s %7s %7s %7s  %s\n' "$t" "${runs:--}" "${rate:--}" "${cov:--}" "${ft:--}" "${corp:--}" "$result"
  if [[ $result != ok ]]; then
    failed+=("$t")
    grep -E 'ERROR|invariant failed|SUMMARY|Test unit written' "$log" | head -5 | sed 's/^/    /'
  fi
done
echo "==> fuzzing took $((SECONDS - start)) s"
if ((${#failed[@]})); then
  echo "fuzz targets failed: ${failed[*]} (logs in $dir/fuzz-logs/, inputs in $dir/fuzz-artifacts/)" >&2
  exit 1
fi
