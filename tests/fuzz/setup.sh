#!/usr/bin/env bash
# tests/fuzz/setup.sh [CXX]: make sure CXX (default clang++) can build a libFuzzer binary with
# ASan and UBSan; if not, install Debian's clang and its sanitizer/fuzzer runtimes
# (clang, libclang-rt-dev), with sudo when not root, as tools/setup.sh does. Says nothing when
# all is there.
set -u
cxx=${1:-clang++}
packages=(clang libclang-rt-dev)

probe() {
  local dir status
  dir=$(mktemp -d) || return 1
  printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' \
    > "$dir/probe.cpp"
  "$cxx" -fsanitize=fuzzer,address,undefined "$dir/probe.cpp" -o "$dir/probe" >"$dir/log" 2>&1
  status=$?
  [ $status = 0 ] || { [ -n "${1:-}" ] && sed 's/^/  /' "$dir/log" >&2; }
  rm -rf "$dir"
  return $status
}

command -v "$cxx" >/dev/null 2>&1 && probe && exit 0

echo "fuzz setup: $cxx cannot build a libFuzzer binary with ASan/UBSan; installing ${packages[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "fuzz setup: no apt-get; install clang with its compiler-rt (libFuzzer, ASan, UBSan)" \
       "and run make fuzz again (FUZZ_CXX=... picks the compiler)" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "fuzz setup: not root and no sudo; as root run: apt-get install -y ${packages[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
echo "fuzz setup: $sudo apt-get install -y ${packages[*]}"
$sudo apt-get install -y -q "${packages[@]}" \
  || { $sudo apt-get update -q && $sudo apt-get install -y -q "${packages[@]}"; } \
  || { echo "fuzz setup: could not install ${packages[*]}" >&2; exit 1; }
if ! { command -v "$cxx" >/dev/null 2>&1 && probe verbose; }; then
  echo "fuzz setup: $cxx still cannot link -fsanitize=fuzzer,address,undefined (see above)" >&2
  exit 1
fi
echo "fuzz setup: done."
