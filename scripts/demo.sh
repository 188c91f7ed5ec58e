#!/bin/sh
# make demo: the whole tool on a fresh machine, with no keys and no network.
# Starts reelsync-fakeapi on a free loopback port, collects two years into demo.duckdb
# through it with a demo key, prints the stats report, and stops the server.
#
# usage: scripts/demo.sh [BUILD_DIR]   (default: build)
set -eu

build=${1:-build}
reelsync="$build/reelsync"
fakeapi="$build/reelsync-fakeapi"
db=${DEMO_DB:-demo.duckdb}

for prog in "$reelsync" "$fakeapi"; do
    if [ ! -x "$prog" ]; then
        echo "demo: $prog is not built (run make first)" >&2
        exit 1
    fi
done

# Each demo starts from an empty database, so it always shows a first collection.
rm -f "$db" "$db.wal"

. "$(dirname "$0")/fakeapi.sh"
workdir=$(mktemp -d "${TMPDIR:-/tmp}/reelsync-demo.XXXXXX")
cleanup() {
    fakeapi_stop
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fakeapi_start demo "$fakeapi" "$workdir" --movies 100000
port=$fake_port

this_year=$(date -u +%Y)
last_year=$((this_year - 1))

echo "== reelsync demo"
echo "fake TMDB/OMDB server: http://127.0.0.1:$port (pid $fake_pid), demo key 'test'"
echo "database: $db; years $last_year to $this_year"
echo "rate limits raised for the local server: --tmdb-rps 200 --tmdb-concurrency 20 --omdb-rps 200 --omdb-concurrency 20"
echo "(the defaults, 4/s and 2/s, are for the real APIs)"
echo

export TMDB_BASE_URL="http://127.0.0.1:$port/3"
export OMDB_BASE_URL="http://127.0.0.1:$port/omdb/"
export TMDB_API_KEY=test
export OMDB_API_KEY=test
unset TMDB_ACCESS_TOKEN || true

"$reelsync" --db "$db" collect \
    --start-year "$last_year" --end-year "$this_year" \
    --max-pages 0 --refresh-limit 1000 \
    --tmdb-rps 200 --tmdb-concurrency 20 --omdb-rps 200 --omdb-concurrency 20

echo
"$reelsync" --db "$db" stats
echo
echo "== done. Query it (read-only SQL; --format table|csv|json):"
echo "  $reelsync --db $db query --format table \\"
echo "      \"SELECT title, release_date FROM movies ORDER BY release_date DESC LIMIT 5\""
"$reelsync" --db "$db" query --format table \
    "SELECT title, release_date FROM movies ORDER BY release_date DESC LIMIT 5"
