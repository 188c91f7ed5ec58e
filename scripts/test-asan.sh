#!/usr/bin/env bash
# make test-asan: the whole ctest suite again, built with AddressSanitizer (leaks included)
# and UndefinedBehaviorSanitizer, halting at the first error.
#
# Every process of the run (the test binaries, and the reelsync and reelsync-fakeapi they
# start) writes its sanitizer report into BUILD/sanitizer/ instead of stderr, so a report
# from a child nobody reads the exit status of (the fake server is stopped with SIGTERM and
# its stderr is /dev/null) fails the run as well. Reports are printed at the end.
# tests/lsan.supp, when present, lists leaks inside third-party libraries only.
#
# usage: scripts/test-asan.sh [BUILD_DIR]   (default build-asan)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=${1:-build-asan}

cmake -S . -B "$build" -DREELSYNC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug ${CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j "${JOBS:-2}"

reports="$(cd "$build" && pwd)/sanitizer"
rm -rf "$reports"
mkdir -p "$reports"
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
if [ -f tests/lsan.supp ]; then
    export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
fi
# The two simulated years are ten times slower here; 400 days exercise the same code.
export RS_SIM_DAYS=${RS_SIM_DAYS:-400}
rc=0
ctest --test-dir "$build" --output-on-failure -j "${JOBS:-2}" || rc=$?
if [ -n "$(ls -A "$reports")" ]; then
    for f in "$reports"/*; do
        echo "==== sanitizer report $f" >&2
        cat "$f" >&2
    done
    echo "test-asan: sanitizer reports above" >&2
    rc=1
fi
exit "$rc"
