#!/usr/bin/env bash
# run.sh FUZZER SRCDIR WORKDIR SECONDS JOBS MODE...
#
# Runs the libFuzzer binary once per mode for SECONDS, JOBS modes at a
# time.  The seed corpus tests/fuzz/corpus/MODE is only read; what the
# fuzzer learns goes to WORKDIR/corpus/MODE and a crash, leak, timeout or
# out-of-memory input to WORKDIR/findings/MODE/.  Fails when any mode
# found something or did not run, and says how to make each finding a
# regression test.
set -uo pipefail
fuzzer=$1 src=$2 work=$3 secs=$4 jobs=$5
shift 5
[ "$#" -gt 0 ] || set -- spec exec update argv policy seccomp
[ -x "$fuzzer" ] || { echo "run.sh: no fuzzer at $fuzzer" >&2; exit 1; }

run_mode() {
  local m=$1 log=$work/log/$1.log rc
  mkdir -p "$work/corpus/$m" "$work/findings/$m" "$work/log"
  # -timeout: one input taking 10 s is a finding (a hang on the start path
  # of every container).  libFuzzer's own exit codes (77 on a crash, 70 on
  # a timeout) would read as "skipped" to automake: any non-zero is a
  # failure here.
  # lsan.supp: a leak inside libseccomp itself, which hardrun cannot free.
  LSAN_OPTIONS=suppressions=$src/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS} \
    HR_FUZZ_MODE=$m HR_SRCDIR=$src "$fuzzer" -max_total_time="$secs" -timeout=10 -max_len=65536 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/findings/$m/" \
    "$work/corpus/$m" "$src/tests/fuzz/corpus/$m" >"$log" 2>&1
  rc=$?
  local execs
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  if [ "$rc" -eq 0 ] && [ -n "$execs" ] && [ -z "$(ls -A "$work/findings/$m")" ]; then
    echo "fuzz $m: ok, $execs inputs in ${secs}s"
    return 0
  fi
  echo "fuzz $m: FAILED (exit $rc); the end of $log:"
  grep -E 'ERROR|SUMMARY|invariant|runtime error|==[0-9]+==' "$log" | head -20
  tail -5 "$log"
  for f in "$work/findings/$m"/*; do
    [ -e "$f" ] || continue
    echo "  finding: $f"
    echo "  replay:  HR_FUZZ_MODE=$m $fuzzer $f"
    echo "  keep it: cp $f $src/tests/fuzz/regressions/$m/"
  done
  return 1
}

mkdir -p "$work"
running=0
for m in "$@"; do
  (
    run_mode "$m"
    echo $? >"$work/$m.status"
  ) >"$work/$m.out" 2>&1 &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait
fail=0
for m in "$@"; do
  cat "$work/$m.out"
  [ "$(cat "$work/$m.status" 2>/dev/null)" = 0 ] || fail=1
  rm -f "$work/$m.out" "$work/$m.status"
done
[ "$fail" -eq 0 ]
