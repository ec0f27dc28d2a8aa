#!/usr/bin/env bash
# make setup: check for the Debian packages stepnet needs and install the missing ones.
#   tools/setup.sh          report and install
#   tools/setup.sh --quiet  say nothing when everything is there (make test, make lessonN)
set -u
quiet=0
[ "${1:-}" = "--quiet" ] && quiet=1

# Build and run: compiler-side libraries, Catch2 (v2 or v3), gnuplot and its C++ stream, zlib;
# pandoc renders docs/ (make docs).
# Catch2 is checked by its header, not its package name: v2's catch2/catch.hpp (Debian 12's
# catch2 2.13), or v3's catch2/catch_all.hpp (Debian 13, Ubuntu 24.04: the Makefile then builds
# through tools/catch2_compat/).
packages=(g++ make libarmadillo-dev libopenblas-dev liblapack-dev gnuplot-nox
          libgnuplot-iostream-dev libboost-iostreams-dev libboost-system-dev
          libboost-filesystem-dev zlib1g-dev pandoc)

missing=()
if [ ! -f /usr/include/catch2/catch.hpp ] && [ ! -f /usr/include/catch2/catch_all.hpp ]; then
  missing+=(catch2)
fi
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
    [ "$status" = "install ok installed" ] || missing+=("$p")
  done
else
  # Not Debian: check the headers and programs directly.
  [ -f /usr/include/armadillo ] || missing+=(libarmadillo-dev libopenblas-dev liblapack-dev)
  [ -f /usr/include/gnuplot-iostream.h ] || missing+=(libgnuplot-iostream-dev)
  [ -d /usr/include/boost/iostreams ] || missing+=(libboost-iostreams-dev)
  [ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
  command -v gnuplot >/dev/null 2>&1 || missing+=(gnuplot-nox)
fi

if [ ${#missing[@]} -eq 0 ]; then
  [ $quiet = 1 ] || echo "setup: every package stepnet needs is installed (${packages[*]})."
  exit 0
fi

echo "setup: missing Debian packages: ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: this system has no apt-get. Install the equivalents of:" >&2
  echo "    ${missing[*]}" >&2
  echo "  (Armadillo with LAPACK/OpenBLAS, Catch2 v2 or v3, gnuplot, gnuplot-iostream, Boost.Iostreams, zlib)" >&2
  exit 1
fi

sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "setup: not root and no sudo; as root run:" >&2
    echo "    apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "setup: $sudo apt-get install -y ${missing[*]}"
if ! $sudo apt-get install -y -q "${missing[@]}"; then
  echo "setup: install failed; refreshing the package lists (apt-get update) and trying again"
  $sudo apt-get update -q && $sudo apt-get install -y -q "${missing[@]}" || {
    echo "setup: could not install ${missing[*]}; install them by hand and run make again" >&2
    exit 1
  }
fi
echo "setup: done."
