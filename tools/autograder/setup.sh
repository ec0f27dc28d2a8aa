#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (made by
# `make autograder` from tools/autograder/setup.sh). AUTOGRADER_ROOT (default /autograder)
# lets it run anywhere for a trial.
set -eu
root=${AUTOGRADER_ROOT:-/autograder}
cd "$root/source/stepnet"

# The Debian/Ubuntu packages stepnet needs, as `make setup` installs them.
export DEBIAN_FRONTEND=noninteractive
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then apt-get update -q; fi
bash tools/setup.sh

# The unprivileged user the tests run as (the grader would create it too).
id stepnet-student > /dev/null 2>&1 ||
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin stepnet-student

# Build everything once, stubs and all: the precompiled header, every test, the lessons, the
# grader. A submission then recompiles only the files it changes. Grading the stubs here also
# proves the image works (every exercise scores 0).
hidden=""
[ -d ../hidden_tests ] && hidden="EXTRA_TESTS=$(cd ../hidden_tests && pwd)"
# At most 2 jobs: the precompiled header alone takes about 600 MB to build.
make -j2 grade $hidden GRADE_TIMEOUT=@GRADE_TIMEOUT@ GRADE_LESSONS=@GRADE_LESSONS@
