#!/usr/bin/env bash
# Runs each Catch2 binary given (the suite, then any EXTRA_TESTS binary), even when an earlier
# one failed, and closes with one line from Catch2's own counts: "tests: N passed, N failed".
#   tools/run_tests.sh BUILD_DIR BINARY [BINARY...]
# Environment:
#   TEST_JOBS=N   N >= 2 runs the suite (the first binary) in four processes at once: the
#                 lessons' run-throughs ([run]), the other test cases that run lesson programs
#                 ([runs-lesson], with STEPNET_OUT=BUILD_DIR/test-out, so that the two never
#                 write the same out/lessonN/ files), the grader's scenarios ([grading]: they wait
#                 on time limits and child processes more than they compute), and every other
#                 test case. A process's test cases run one at a time.
#   TEST_SPEC=S   run only the test cases Catch2's spec S selects (one process), e.g. "[e2e]"
#   TEST_LOG=F    the log the counts are summed from (default BUILD_DIR/test.log)
set -u
# One BLAS thread per test process unless the caller says otherwise: the processes already
# share the cores, and OpenBLAS's second thread waits for work by spinning. The lesson runs took
# 56 s of CPU (21 s of it in the kernel) with two threads, 32 s with one, in the same wall time.
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
build=$1; shift
log=${TEST_LOG:-$build/test.log}
jobs=${TEST_JOBS:-1}
: > "$log"
status=0

# run_one NAME BINARY [CATCH2 ARGS...]: one process, its output into $build/NAME.part, then
# into the log; a process that ends before Catch2's closing line counts as one failed test case.
run_one() {
  local name=$1 bin=$2; shift 2
  local part="$build/$name.part"
  STEPNET_BUILD="$build" "$bin" --order decl "$@" > "$part" 2>&1
  local rc=$?
  if [ "$rc" -ne 0 ] && ! grep -qE '^(All tests passed|test cases:|No tests ran)' "$part"; then
    echo "test cases: 1 | 1 failed  ($bin ended with status $rc before reporting)" >> "$part"
  fi
  return $rc
}

first=1
for bin in "$@"; do
  echo "== $bin${TEST_SPEC:+ $TEST_SPEC}" | tee -a "$log"
  if [ -n "${TEST_SPEC:-}" ]; then
    run_one part0 "$bin" "$TEST_SPEC" || status=1
    parts="part0"
  elif [ "$first" = 1 ] && [ "$jobs" -ge 2 ]; then
    echo "   (four processes: the lessons' run-throughs, the other tests that run lessons, the" \
         "grader's scenarios, everything else)" | tee -a "$log"
    run_one part1 "$bin" "[run]" & lessons=$!
    # Its lessons write under an output directory of its own: a lesson may run in both at once.
    STEPNET_OUT="$build/test-out" run_one part2 "$bin" "[runs-lesson]~[run]" & runs=$!
    run_one part3 "$bin" "[grading]~[.]~[run]~[runs-lesson]" & grading=$!
    run_one part4 "$bin" "~[.]~[run]~[runs-lesson]~[grading]" || status=1
    wait "$lessons" || status=1
    wait "$runs" || status=1
    wait "$grading" || status=1
    parts="part1 part2 part3 part4"
  else
    run_one part0 "$bin" || status=1
    parts="part0"
  fi
  for p in $parts; do cat "$build/$p.part" | tee -a "$log"; rm -f "$build/$p.part"; done
  first=0
done
# In the student release (make student), say which exercises are still to write.
if [ -f .stepnet-release ] && [ -x "$build/tools/grade" ]; then
  "$build/tools/grade" exercises --remaining
fi
summary=$(bash "$(dirname "$0")/summarize.sh" "$log")
echo "$summary"
exit $status
