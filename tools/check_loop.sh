#!/usr/bin/env bash
# The student's loop, end to end (make check-loop; .ci/run runs it):
#   1. make student into a scratch directory, reusing this build's objects (only the stubbed
#      files recompile);
#   2. every lesson, piped, --quick, with every exercise unwritten: each exits 0 and lists the
#      steps it skipped;
#   3. make check: every exercise TODO;
#   4. restore one exercise's solution region (relu_backward by default): make check 2 shows it
#      PASS with its full points, and its lesson runs the steps it skipped.
#   tools/check_loop.sh BUILD_DIR [EXERCISE FILE LESSON]
set -u
build=${1:-build}
exercise=${2:-relu_backward}
file=${3:-src/nn/activations.cpp}
lesson=${4:-2}
root=$(pwd)
work=$(mktemp -d /tmp/stepnet_loop.XXXXXX)
release="$work/student"
failures=0
fail() { echo "check-loop: FAILED: $*"; failures=$((failures + 1)); }
say() { echo "== check-loop: $*"; }
trap 'rm -rf "$work"' EXIT

say "make student -> $release"
make --no-print-directory student STUDENT_DIR="$release" >"$work/student.log" 2>&1 ||
  { cat "$work/student.log"; echo "check-loop: FAILED: make student"; exit 1; }

# Objects and the precompiled header keep their time stamps: only stubbed files recompile.
mkdir -p "$release/$build"
for d in obj pch; do [ -d "$build/$d" ] && cp -a "$build/$d" "$release/$build/"; done
rm -rf "$release/$build/obj/tools"

say "build the release's lessons and tests"
( cd "$release" && make --no-print-directory BUILD="$build" lessons "$build/stepnet_tests" \
    "$build/tools/check" ) >"$work/build.log" 2>&1 ||
  { tail -40 "$work/build.log"; echo "check-loop: FAILED: the release does not build"; exit 1; }

say "every lesson, piped, with every exercise unwritten"
for bin in "$release/$build"/lessons/lesson*; do
  name=$(basename "$bin")
  ( cd "$release" && timeout -s KILL 120 "$bin" --quick </dev/null ) >"$work/$name.log" 2>&1
  code=$?
  skipped=$(grep -c '^step [0-9]* skipped: needs your ' "$work/$name.log")
  if [ "$code" -ne 0 ]; then
    fail "$name exited with $code:"; tail -5 "$work/$name.log"
  elif [ "$name" != lesson0 ] && [ "$name" != lesson7 ] && [ "$skipped" -eq 0 ]; then
    fail "$name skipped no step, though it needs exercises"
  elif [ "$skipped" -gt 0 ] && ! grep -q '^Skipped [0-9]* step' "$work/$name.log"; then
    fail "$name has no summary of its skipped steps"
  else
    echo "  $name: exit 0, $skipped step(s) skipped"
  fi
done

say "make check: every exercise TODO"
# The lessons with exercises, and how many there are: the release's stubs say (TODO(lessonNN)).
stubs=$(cd "$release" && grep -rhoE '// TODO\(lesson[0-9]+\): .*' src lessons | sort -u)
stub_lessons=$(echo "$stubs" | sed -E 's/.*TODO\(lesson0*([0-9]+)\).*/\1/' | sort -un)
( cd "$release" && STEPNET_BUILD="$build" "$build/tools/check" --tests "$build/stepnet_tests" \
    $(for n in $stub_lessons; do echo --lesson "$n"; done) ) >"$work/check.log" 2>&1
grep -E '^(PASS|FAIL|TODO|----) ' "$work/check.log" | sed 's/^/  /'
grep -qE '^(PASS|FAIL|----) ' "$work/check.log" && fail "an exercise is not TODO in a fresh release"
[ "$(grep -c '^TODO ' "$work/check.log")" -eq "$(echo "$stubs" | grep -c .)" ] ||
  fail "$(grep -c '^TODO ' "$work/check.log") TODO lines for $(echo "$stubs" | grep -c .) stubs"

say "write $exercise as a student would (its solution in place of the stub's throw); make check $lesson"
# The TODO line and the hints stay; the throw becomes the solution region's code.
awk -v name="$exercise" -v sol="$root/$file" '
  BEGIN {  # the solution region of `name`, markers and hints left out
    while ((getline line < sol) > 0) {
      if (line ~ "// BEGIN SOLUTION lesson[0-9]+ \"" name "\"") { keep = 1; continue }
      if (keep && line ~ /\/\/ END SOLUTION/) break
      if (keep && line !~ /\/\/ HINT/) body = body line "\n"
    }
  }
  todo && /throw nn::Unwritten\(/ { todo = 0; printf "%s", body; next }
  $0 ~ "// TODO\\(lesson[0-9]+\\): " name "$" { todo = 1 }
  { print }' "$release/$file" >"$work/written.cpp" && mv "$work/written.cpp" "$release/$file"
grep -q "throw nn::Unwritten([0-9]*, \"$exercise\"" "$release/$file" && fail "the stub is still there"
( cd "$release" && make --no-print-directory BUILD="$build" check "$lesson" ) >"$work/check2.log" 2>&1
sed 's/^/  /' "$work/check2.log" | grep -E '^  (PASS|FAIL|TODO|----|lesson) '
line=$(grep -E "^(PASS|FAIL|TODO|----) $exercise " "$work/check2.log")
case "$line" in
  "PASS $exercise "*)
    points=${line#PASS $exercise }; points=${points%%:*}
    [ "${points%/*}" = "${points#*/}" ] && [ "${points%/*}" != 0 ] ||
      fail "$exercise passes without its full points: $line";;
  *) fail "$exercise is not PASS after restoring it: ${line:-no line}"; tail -20 "$work/check2.log";;
esac
[ "$(grep -c '^PASS ' "$work/check2.log")" -eq 1 ] || fail "another exercise than $exercise turned PASS"

( cd "$release" && make --no-print-directory BUILD="$build" "$build/lessons/lesson$lesson" &&
    timeout -s KILL 120 "$build/lessons/lesson$lesson" --quick </dev/null ) >"$work/again.log" 2>&1
before=$(grep -c '^step [0-9]* skipped: ' "$work/lesson$lesson.log")
after=$(grep -c '^step [0-9]* skipped: ' "$work/again.log")
echo "  lesson$lesson: $before step(s) skipped before, $after after"
[ "$after" -lt "$before" ] || fail "lesson$lesson skips as many steps as before"
grep -q "needs your $exercise " "$work/again.log" && fail "lesson$lesson still skips for $exercise"

if [ "$failures" -eq 0 ]; then
  echo "check-loop: the student's loop works (release, lessons, make check, one exercise written)"
else
  echo "check-loop: $failures failure(s)"
fi
[ "$failures" -eq 0 ]
