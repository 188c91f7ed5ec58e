#!/bin/sh
# Throughput of reelsync-fakeapi on GET /3/movie/{id}: starts the fake with a 1,000,000-movie
# catalog, learns 200 real ids from discover, and runs wrk (Debian's package) with a Lua
# script cycling through them. Prints "fakeapi /3/movie/{id}: N requests/s" and the machine
# line "fakeapi_rps<TAB>N<TAB>req/s<TAB>>= 20000" for bench/run.sh.
# Usage: bench/fakeapi_wrk.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
set -eu
BUILD=${1:-build}
SECS=${2:-5}
CONNS=${3:-64}
command -v wrk >/dev/null || { echo "fakeapi_wrk: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
TMP=$(mktemp -d)
"$BUILD/reelsync-fakeapi" --port 0 --movies 1000000 --now 2026-11-25 >"$TMP/out" 2>"$TMP/err" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$TMP"' EXIT
i=0
until grep -q listening "$TMP/out"; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "fakeapi_wrk: server did not start" >&2; exit 1; }
    sleep 0.05
done
PORT=$(sed -n 's/.*127\.0\.0\.1://p' "$TMP/out")
BASE="http://127.0.0.1:$PORT"
IDS=""
for page in 1 2 3 4 5 6 7 8 9 10; do
    IDS="$IDS$(curl -s "$BASE/3/discover/movie?api_key=test&page=$page" | grep -o '"id":[0-9]*' | sed 's/"id"://' | tr '\n' ',')"
done
cat >"$TMP/ids.lua" <<LUA
local ids = {${IDS%,}}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/3/movie/" .. ids[(n % #ids) + 1] .. "?api_key=test")
end
LUA
wrk -t1 -c"$CONNS" -d"${SECS}s" -s "$TMP/ids.lua" "$BASE" >"$TMP/wrk"
NON2XX=$(sed -n 's/.*Non-2xx or 3xx responses: *//p' "$TMP/wrk")
RPS=$(sed -n 's/^Requests\/sec: *//p' "$TMP/wrk")
echo "fakeapi /3/movie/{id}: $RPS requests/s (wrk -t1 -c$CONNS -d${SECS}s, ${NON2XX:-0} non-2xx)"
printf 'fakeapi_rps\t%s\treq/s\t>= 20000\n' "$RPS"
