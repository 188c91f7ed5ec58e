#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets (tests/fuzz/fuzz_*.c, fake/fuzz_*.c) in build-fuzz
# with clang, AddressSanitizer and UndefinedBehaviorSanitizer, seeds each corpus, and runs
# every target for FUZZ_SECONDS seconds (default 60; CI uses 10 as a smoke). Prints one line
# per target (runs, execs/s, coverage) and fails if any target crashed, leaked, hung or broke
# an invariant; the input that did it is in build-fuzz/crashes/.
#
#   FUZZ_SECONDS=N     seconds per target
#   FUZZ_TARGETS="a b" only these targets
#   FUZZ_BUILD=DIR     the build tree (default build-fuzz)
#
# Seeds: tests/fixtures (bodies, with the two status bytes the classifying targets read
# first) and the hand-written inputs of tests/fuzz/corpus/<target>/. The working corpus in
# build-fuzz/corpus/<target>/ keeps what earlier runs found.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
secs=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD:-build-fuzz}
say() { printf 'fuzz: %s\n' "$*" >&2; }

CC=${FUZZ_CC:-clang}
command -v "$CC" >/dev/null || { say "$CC not found (scripts/deps.sh --fuzz installs it)"; exit 1; }
CC=$CC cmake -S . -B "$build" -DREELSYNC_FUZZ=ON -DREELSYNC_SANITIZE=ON -DREELSYNC_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo ${CMAKE_ARGS:-} >/dev/null
cmake --build "$build" --target fuzzers -j "${JOBS:-2}" >/dev/null

fixtures=tests/fixtures
corpus="$build/corpus"
crashes="$build/crashes"
mkdir -p "$crashes"

# seed TARGET NAME FILE [STATUS]: the file, after two bytes choosing STATUS (100 + value).
seed() {
    local dir="$corpus/$1" out
    mkdir -p "$dir"
    out="$dir/seed_$2"
    if [ -n "${4:-}" ]; then
        local v=$(( $4 - 100 ))
        { printf "\\x$(printf %02x $((v >> 8)))\\x$(printf %02x $((v & 255)))"; cat "$3"; } >"$out"
    else
        cp "$3" "$out"
    fi
}
status_of() { # the HTTP status a fixture is served with
    case "$(basename "$1")" in
        error_400*) echo 400 ;; error_401*|error_invalid_key*|error_limit*) echo 401 ;;
        error_404*) echo 404 ;; error_422*) echo 422 ;; error_429*) echo 429 ;; *) echo 200 ;;
    esac
}
seed_all() {
    local f
    for f in "$fixtures"/tmdb/movie_*.json; do seed fuzz_tmdb_movie "$(basename "$f")" "$f"; done
    for f in "$fixtures"/tmdb/*.json; do
        seed fuzz_tmdb_discover "$(basename "$f")" "$f" "$(status_of "$f")"
    done
    for f in "$fixtures"/omdb/*.json; do seed fuzz_omdb "$(basename "$f")" "$f" "$(status_of "$f")"; done
    for d in tests/fuzz/corpus/*/; do
        for f in "$d"*; do [ -f "$f" ] && seed "$(basename "$d")" "$(basename "$f")" "$f"; done
    done
}
seed_all

dict_of() {
    case "$1" in
        fuzz_cli) echo tests/fuzz/cli.dict ;; fuzz_query) echo tests/fuzz/query.dict ;;
        fuzz_tmdb_*|fuzz_omdb) echo tests/fuzz/json.dict ;; *) echo "" ;;
    esac
}

targets=${FUZZ_TARGETS:-$(cd "$build" && ls fuzz_* 2>/dev/null | grep -v '\.' | sort)}
failed=0
printf '%-20s %10s %10s %8s %8s %8s  %s\n' target runs execs/s cov ft corpus result
for t in $targets; do
    log="$build/$t.log"
    dict=$(dict_of "$t")
    mkdir -p "$corpus/$t"
    rc=0
    "$build/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$crashes/$t-" ${dict:+-dict="$dict"} "$corpus/$t" >"$log" 2>&1 || rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    n=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$last")
    eps=$(sed -n 's/.* exec\/s: \([0-9]*\).*/\1/p' <<<"$last")
    result=ok
    if [ "$rc" -ne 0 ]; then
        result="FAILED (exit $rc, see $log)"
        failed=1
    fi
    printf '%-20s %10s %10s %8s %8s %8s  %s\n' "$t" "${runs:-?}" "${eps:-?}" "${cov:-?}" \
        "${ft:-?}" "${n:-?}" "$result"
    if [ "$rc" -ne 0 ]; then
        grep -E 'ERROR|SUMMARY|invariant|Test unit written' "$log" | head -n 20 >&2 || true
    fi
done
if [ "$failed" -ne 0 ]; then
    say "a target failed; reproduce with: $build/<target> $crashes/<file>"
    exit 1
fi
