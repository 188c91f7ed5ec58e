#!/usr/bin/env bash
# make valgrind: a demo-sized collect under valgrind memcheck proves no invalid read or
# write, no use of uninitialized memory and no definite leak in a full run.
#
# reelsync-fakeapi (not under valgrind) serves a 100,000-movie catalog; reelsync collects
# two years (last year and this one) with complete discovery (--max-pages 0) and refreshes
# every discovered movie (--refresh-limit 0, TMDB details then OMDB), limits off. The run
# must end with status 0, result "ok", every discovered movie refreshed, and valgrind must
# report nothing (--error-exitcode=99). tests/valgrind.supp, when present, holds
# suppressions for third-party internals (DuckDB, OpenSSL) only.
#
# usage: scripts/valgrind-collect.sh [BUILD_DIR]   (default build)
#   VALGRIND_MOVIES=N   catalog size (default 100000)
#   VALGRIND_TIMEOUT=S  the collect's time bound under valgrind (default 900; it takes ~30 s
#                       on a 2-core machine). Past it the run is stopped with SIGTERM (it
#                       stores what it has and exits 143), its log and the fake's /__stats
#                       are printed, and the check fails: a hang is a finding, not a pass.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=${1:-build}
movies=${VALGRIND_MOVIES:-100000}
limit=${VALGRIND_TIMEOUT:-900}
reelsync="$build/reelsync"
fakeapi="$build/reelsync-fakeapi"
for prog in "$reelsync" "$fakeapi"; do
    [ -x "$prog" ] || { echo "valgrind: $prog is not built (run make first)" >&2; exit 1; }
done
command -v valgrind >/dev/null || { echo "valgrind: valgrind is not installed" >&2; exit 1; }

. "$(dirname "$0")/fakeapi.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/reelsync-valgrind.XXXXXX")
cleanup() {
    fakeapi_stop
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fakeapi_start valgrind "$fakeapi" "$work" --movies "$movies"
port=$fake_port

export TMDB_BASE_URL="http://127.0.0.1:$port/3" OMDB_BASE_URL="http://127.0.0.1:$port/omdb/"
export TMDB_API_KEY=test OMDB_API_KEY=test
unset TMDB_ACCESS_TOKEN || true
year=$(date -u +%Y)
supp=()
[ -f tests/valgrind.supp ] && supp=(--suppressions=tests/valgrind.supp)
log="$build/valgrind-collect.log"

echo "valgrind: collect $((year - 1))..$year from a $movies-movie fake API under memcheck"
start=$(date +%s)
rc=0
# --fair-sched=yes: valgrind runs one thread at a time; a fair lock keeps a thread that
# polls from starving the one it waits for.
timeout --signal=TERM --kill-after=60 "$limit" \
    valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite \
    --show-leak-kinds=definite --track-origins=no --error-exitcode=99 --num-callers=40 \
    --fair-sched=yes "${supp[@]}" --log-file="$log" \
    "$reelsync" --db "$work/v.duckdb" --json --quiet --log-level info collect \
    --start-year $((year - 1)) --end-year "$year" --max-pages 0 --refresh-limit 0 \
    --tmdb-rps 10000 --tmdb-concurrency 20 --omdb-rps 10000 --omdb-concurrency 20 \
    --tmdb-daily-limit 0 --omdb-daily-limit 0 >"$work/stats.json" 2>"$work/stderr" || rc=$?
secs=$(( $(date +%s) - start ))
cat "$work/stats.json"

num() { sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p" "$work/stats.json"; }
discovered=$(num discovered)
tmdb=$(num tmdb_updated)
summary=$(grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable' "$log" || true)
echo "$summary"
echo "valgrind: ${secs} s; discovered ${discovered:-?}, tmdb_updated ${tmdb:-?}; log: $log"
# What the run was doing when it ended badly: its last log lines and what the fake saw.
tell() {
    echo "valgrind: the last lines of reelsync's log:" >&2
    tail -n 40 "$work/stderr" >&2
    echo "valgrind: the fake's /__stats:" >&2
    curl -s --max-time 5 "http://127.0.0.1:$port/__stats" >&2 || echo "(no answer)" >&2
    echo >&2
}
if [ "$rc" -ne 0 ]; then
    if [ "$rc" -eq 99 ]; then
        echo "valgrind: memcheck found errors (see $log)" >&2
    elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        echo "valgrind: the collect did not end within $limit s under valgrind" >&2
        tell
    else
        echo "valgrind: reelsync exited $rc" >&2
        tell
    fi
    exit 1
fi
if ! grep -q '"result":"ok"' "$work/stats.json" || [ -z "$discovered" ] || [ "$discovered" -eq 0 ] \
   || [ "$tmdb" != "$discovered" ]; then
    echo "valgrind: the run did not discover and refresh every movie" >&2
    tell
    exit 1
fi
echo "valgrind: clean"
