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
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=${1:-build}
movies=${VALGRIND_MOVIES:-100000}
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
valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite \
    --show-leak-kinds=definite --track-origins=no --error-exitcode=99 --num-callers=40 \
    "${supp[@]}" --log-file="$log" \
    "$reelsync" --db "$work/v.duckdb" --json --quiet --log-level warn collect \
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
if [ "$rc" -ne 0 ]; then
    [ "$rc" -eq 99 ] && echo "valgrind: memcheck found errors (see $log)" >&2 \
                     || { echo "valgrind: reelsync exited $rc" >&2; cat "$work/stderr" >&2; }
    exit 1
fi
if ! grep -q '"result":"ok"' "$work/stats.json" || [ -z "$discovered" ] || [ "$discovered" -eq 0 ] \
   || [ "$tmdb" != "$discovered" ]; then
    echo "valgrind: the run did not discover and refresh every movie" >&2
    cat "$work/stderr" >&2
    exit 1
fi
echo "valgrind: clean"
