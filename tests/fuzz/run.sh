#!/usr/bin/env bash
# tests/fuzz/run.sh FUZZER SECONDS WORKDIR [libFuzzer flags...]: what `make fuzz` runs.
#
# 1. Replays every input kept in tests/fuzz/crashes/ (past findings, now regressions).
# 2. Copies the seed corpus tests/fuzz/corpus/ into WORKDIR/corpus (new inputs land there,
#    never in tests/fuzz/) and fuzzes for SECONDS on one core.
# Exits non-zero on any finding and says where the input is and how to replay it.
set -u -o pipefail
fuzzer=$1 seconds=$2 work=$3
shift 3
here=$(dirname "$0")
artifacts=$work/artifacts/run-$(date +%Y%m%d-%H%M%S)
mkdir -p "$work/corpus" "$artifacts"
cp "$here"/corpus/* "$work/corpus/"

# The limits make a finding of: one allocation over FUZZ_MALLOC_MB (64) MB, a process over
# FUZZ_RSS_MB (512) MB, an input that takes over 10 s. -max_len=4096 bounds an input: a 4 KB
# gzip inflates to at most about 4.2 MB (deflate's best ratio is 1032:1), 34 MB as doubles,
# so a larger allocation can only come from a header the data does not back.
limits=(-rss_limit_mb="${FUZZ_RSS_MB:-512}" -malloc_limit_mb="${FUZZ_MALLOC_MB:-64}" -timeout=10
        -max_len=4096)

regressions=()
for f in "$here"/crashes/*; do
  case $f in *.md|*/\*) ;; *) regressions+=("$f") ;; esac
done
if [ ${#regressions[@]} -gt 0 ]; then
  echo "fuzz: replaying ${#regressions[@]} past finding(s) from $here/crashes/"
  failed=0
  for f in "${regressions[@]}"; do
    log=$artifacts/replay-$(basename "$f").log
    if ! "$fuzzer" "${limits[@]}" "$f" >"$log" 2>&1; then
      failed=$((failed + 1))
      echo "  still fails: $f" >&2
      grep -m1 -E '^==== IDX FUZZ FINDING|ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|runtime error' \
        "$log" | sed 's/^/    /' >&2
      echo "    log: $log" >&2
    fi
  done
  if [ $failed -gt 0 ]; then
    echo "fuzz: FAILED: $failed input(s) in $here/crashes/ still fail" \
         "(replay one: make fuzz-repro CRASH=...)" >&2
    exit 1
  fi
fi

echo "fuzz: $fuzzer for $seconds s over $work/corpus (seeds from $here/corpus/)"
"$fuzzer" "$work/corpus" -dict="$here/idx.dict" "${limits[@]}" -max_total_time="$seconds" \
  -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" 2>&1 | tee "$artifacts/fuzz.log"
status=$?
if [ $status = 0 ]; then
  grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec' "$artifacts/fuzz.log" \
    | sed 's/^stat::/fuzz: /'
  echo "fuzz: no finding in $seconds s (log: $artifacts/fuzz.log)"
  exit 0
fi
echo >&2
echo "fuzz: FAILED (exit $status): a finding; the report is above and in $artifacts/fuzz.log" >&2
found=$(ls "$artifacts" | grep -E '^(crash|leak|oom|timeout|slow-unit)-' || true)
for f in $found; do
  echo "  input: $artifacts/$f" >&2
  echo "  replay: $fuzzer $artifacts/$f   (or: make fuzz-repro CRASH=$artifacts/$f)" >&2
  echo "  bytes:  $(head -c 64 "$artifacts/$f" | od -An -tx1 | tr -s ' \n' ' ')" >&2
done
[ -n "$found" ] || echo "  no input was saved: see the log" >&2
exit 1
