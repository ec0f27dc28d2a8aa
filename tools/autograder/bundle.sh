#!/usr/bin/env bash
# make autograder: the Gradescope bundle.
#   tools/autograder/bundle.sh GRADER STAGE_DIR ZIP [EXTRA_TESTS_DIR] [GRADE_TIMEOUT] [LESSONS]
#                              [GRADE_DEADLINE]
#
# Before anything is zipped, the solution (this tree) is graded with the hidden tests, only the
# lessons asked for (LESSONS=1-3: one assignment, its points only): no zip unless full marks.
#
# The zip holds what Gradescope unpacks into /autograder/source/:
#   setup.sh        run once, as root, when Gradescope builds the image: Debian/Ubuntu packages
#                   (as tools/setup.sh lists them), then one build of everything
#   run_autograder  run for each submission: the student's src/ into a clean copy of stepnet/,
#                   make grade, results/results.json
#   stepnet/        this tree, every solution region replaced by its stub (so a file missing
#                   from a submission is a stub, never the solution), the tests whole: hidden
#                   test regions stay, the student cannot touch any of it
#   hidden_tests/   EXTRA_TESTS, when given: graded with their own points and visibility
set -eu
grader=$1 stage=$2 zip=$3 extra=${4:-} timeout=${5:-60} lessons=${6:-} deadline=${7:-480}
here=$(cd "$(dirname "$0")" && pwd)

case "$lessons" in ''|[0-9]|[0-9][0-9]|[0-9]-[0-9]|[0-9]-[0-9][0-9]|[0-9][0-9]-[0-9][0-9]) ;;
  *) echo "make autograder: LESSONS=$lessons is not a lesson or a range like 1-3" >&2; exit 1;; esac
case "$timeout" in ''|*[!0-9.]*) echo "make autograder: GRADE_TIMEOUT=$timeout is not a number of seconds" >&2; exit 1;; esac
if [ -n "$extra" ] && ! ls "$extra"/*.cpp >/dev/null 2>&1; then
  echo "make autograder: EXTRA_TESTS=$extra has no .cpp files" >&2
  exit 1
fi

# zip is only needed here; install it the way tools/setup.sh installs the rest.
if ! command -v zip >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "make autograder: installing zip ($sudo apt-get install -y zip)"
  $sudo apt-get install -y -q zip || { $sudo apt-get update -q && $sudo apt-get install -y -q zip; } || {
    echo "make autograder: could not install zip; install it and run make autograder again" >&2
    exit 1
  }
fi

# The hidden tests compile, and the solution scores every point of the bundled lessons (an old
# bundle goes first: a refusal must not leave one behind).
rm -f "$zip"
check=$(dirname "$stage")/autograder-check
rm -rf "$check"
echo "make autograder: grading the solution with the hidden tests${lessons:+ (lessons $lessons)} first"
if ! env -u MAKEFLAGS -u MFLAGS -u MAKEOVERRIDES -u MAKELEVEL make --no-print-directory grade \
       ${extra:+EXTRA_TESTS="$extra"} GRADE_OUT="$check" GRADE_TIMEOUT="$timeout" \
       ${lessons:+GRADE_LESSONS="$lessons"} > "$check.log" 2>&1; then
  tail -n 30 "$check.log" >&2
  echo "make autograder: the solution or the hidden tests do not build (above); no bundle written" >&2
  exit 1
fi
if ! "$grader" check-json --full-marks "$check/results.json"; then
  grep -A40 "Points lost" "$check/report.txt" >&2
  echo "make autograder: the solution does not score full marks with these tests; no bundle written" >&2
  exit 1
fi

rm -rf "$stage"
mkdir -p "$stage"
"$grader" student --from . --to "$stage/stepnet" --for-autograder
if [ -n "$extra" ]; then
  mkdir -p "$stage/hidden_tests"
  cp -R "$extra"/. "$stage/hidden_tests/"
  rm -rf "$stage/hidden_tests/build"
fi
# How long each test took on the solution: the autograder stops a test at 10x that (at least
# 3 s), so an endless loop costs seconds per test, not GRADE_TEST_TIMEOUT.
cp "$check/junit.xml" "$stage/solution-times.xml"
for script in setup.sh run_autograder; do
  sed -e "s/@GRADE_TIMEOUT@/$timeout/g" -e "s/@GRADE_LESSONS@/$lessons/g" \
      -e "s/@GRADE_DEADLINE@/$deadline/g" "$here/$script" > "$stage/$script"
  chmod 755 "$stage/$script"
done

mkdir -p "$(dirname "$zip")"
zip_abs=$(cd "$(dirname "$zip")" && pwd)/$(basename "$zip")
rm -f "$zip_abs"
(cd "$stage" && zip -q -r -X "$zip_abs" setup.sh run_autograder solution-times.xml stepnet $( [ -d hidden_tests ] && echo hidden_tests ))
hidden_count=0
[ -n "$extra" ] && hidden_count=$(ls "$extra"/*.cpp | wc -l)
echo "autograder bundle: $zip ($(du -h "$zip_abs" | cut -f1), $hidden_count hidden test file(s), $timeout s per lesson, ${lessons:-every lesson})."
echo "Upload it as a Gradescope programming assignment's autograder (base image: Ubuntu 22.04 or 24.04, or Debian 12 or 13); students"
echo "submit their src/ directory (or the whole repository)."
