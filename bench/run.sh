#!/bin/sh
# `make bench`: runs every benchmark of the project one after the other (never two at once:
# they would share the cores) and prints ONE table of figures, each beside the figure it is
# measured against in the same run, its target, and PASS / MISS (INFO: no target set).
#
#   bench/run.sh [BUILD_DIR]          full run (about 25 minutes on 2 cores: the freshness
#                                     year, once per policy, seed and adaptive, is most of it)
#   BENCH_QUICK=1 bench/run.sh        short variants (rate accuracy 40+20 requests instead
#                                     of 300+200, 20,000 engine requests, 10,000-movie
#                                     collect, 100,000-movie plan, 28 freshness days):
#                                     about two minutes
#
# Each benchmark prints its raw figures as machine lines "name<TAB>value<TAB>unit<TAB>note"
# among its human-readable output; the whole output goes to $BUILD/bench.log, the machine
# lines to $BUILD/bench.tsv, and the table is assembled from the latter.
set -u
BUILD=${1:-build}
QUICK=${BENCH_QUICK:-0}
[ "$QUICK" = 0 ] && QUICK=
LOG="$BUILD/bench.log"
TSV="$BUILD/bench.tsv"
HERE=$(dirname "$0")
: >"$LOG"
failed=0

step() { # NAME COMMAND...: runs one benchmark, its output to the log (and stderr on failure)
    name=$1
    shift
    printf '%-14s ... ' "$name" >&2
    start=$(date +%s)
    if "$@" >>"$LOG" 2>&1; then
        echo "done ($(($(date +%s) - start)) s)" >&2
    else
        echo "FAILED (see $LOG)" >&2
        failed=1
    fi
}

if [ -n "$QUICK" ]; then
    step fakeapi_wrk "$HERE/fakeapi_wrk.sh" "$BUILD" 2 64
    step bench_http env BENCH_N=20000 "$BUILD/bench_http" --quick
    step bench_collect "$BUILD/bench_collect" 10000
    step bench_plan "$BUILD/bench_plan" 100000 5
    step bench_freshness "$BUILD/bench_freshness" --days 28 --movies 20000 --sample 300 --policy seed,adaptive
    step bench_lock "$BUILD/bench_lock" 10000 100000
else
    step fakeapi_wrk "$HERE/fakeapi_wrk.sh" "$BUILD" 5 64
    step bench_http "$BUILD/bench_http"
    step bench_collect "$BUILD/bench_collect" 1000000
    step bench_plan "$BUILD/bench_plan" 1000000 7
    step bench_freshness "$BUILD/bench_freshness" --policy seed,adaptive
    step bench_lock "$BUILD/bench_lock"
fi

grep -E '^[a-z_0-9]+	' "$LOG" >"$TSV"

awk -F'\t' -v quick="${QUICK:+ (BENCH_QUICK: short variants)}" '
{ v[$1] = $2; note[$1] = $4 }
function has(k) { return (k in v) && v[k] != "" }
function row(figure, value, against, ratio, target, verdict) {
    printf "| %-44s | %-16s | %-30s | %-8s | %-12s | %-7s |\n", figure, value, against, ratio, target, verdict
}
function pct(a, b) { return b > 0 ? sprintf("%.1f %%", 100 * a / b) : "-" }
function pf(ok) { return ok ? "PASS" : "MISS" }
function num(x,    s, out) { # integer with thousands separators
    s = sprintf("%d", x + 0.5); out = ""
    while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
    return s out
}
END {
    printf "\nreelsync benchmarks%s\n\n", quick
    row("figure", "value", "measured against (same run)", "ratio", "target", "verdict")
    row("--------------------------------------------", "----------------", "------------------------------", "--------", "------------", "-------")
    if (has("fakeapi_rps"))
        row("fake API GET /3/movie/{id}, wrk -c64", num(v["fakeapi_rps"]) " req/s", "target 20,000 req/s",
            pct(v["fakeapi_rps"], 20000), ">= 100 %", pf(v["fakeapi_rps"] >= 20000))
    if (has("engine_rps") && has("wrk_rps"))
        row("engine req/s, limits off, 64 in flight", num(v["engine_rps"]) " req/s",
            "wrk -c64 " num(v["wrk_rps"]) " req/s", pct(v["engine_rps"], v["wrk_rps"]), ">= 70 %",
            pf(v["engine_rps"] >= 0.7 * v["wrk_rps"]))
    if (has("collect_rate")) {
        ref = has("engine_rps") ? "engine/2: " num(v["engine_rps"] / 2) " (2 req/movie)" : "-"
        r = has("engine_rps") ? pct(v["collect_rate"], v["engine_rps"] / 2) : "-"
        row("collect " num(v["collect_movies"]) " movies (discover+TMDB+OMDB)", sprintf("%.0f movies/s", v["collect_rate"]),
            ref, r, "none set", "INFO")
    }
    if (has("rate_tmdb_rps"))
        row("rate accuracy TMDB (" v["rate_tmdb_n"] " requests at 4/s)", sprintf("%.3f req/s", v["rate_tmdb_rps"]),
            "configured 4 req/s", pct(v["rate_tmdb_rps"], 4), ">= 97 %", pf(v["rate_tmdb_rps"] >= 0.97 * 4))
    if (has("rate_omdb_rps"))
        row("rate accuracy OMDB (" v["rate_omdb_n"] " requests at 2/s)", sprintf("%.3f req/s", v["rate_omdb_rps"]),
            "configured 2 req/s", pct(v["rate_omdb_rps"], 2), ">= 97 %", pf(v["rate_omdb_rps"] >= 0.97 * 2))
    if (has("rate_violations"))
        row("rate limit violations (server-side 429s)", v["rate_violations"], "0 allowed", "-", "= 0",
            pf(v["rate_violations"] == 0))
    if (has("inflight_tmdb"))
        row("max in flight TMDB (server-seen)", v["inflight_tmdb"], "cap 10", pct(v["inflight_tmdb"], 10),
            "<= 100 %", pf(v["inflight_tmdb"] <= 10))
    if (has("inflight_omdb"))
        row("max in flight OMDB (server-seen)", v["inflight_omdb"], "cap 5", pct(v["inflight_omdb"], 5),
            "<= 100 %", pf(v["inflight_omdb"] <= 5))
    if (has("plan_ms") && has("count_ms"))
        row("plan (limit 100) at " num(v["plan_movies"]) " movies", sprintf("%.2f ms", v["plan_ms"]),
            sprintf("SELECT count(*) %.2f ms", v["count_ms"]), sprintf("%.1fx", v["plan_ms"] / v["count_ms"]),
            "< 10x", pf(v["plan_ms"] < 10 * v["count_ms"]))
    if (has("plan_ms") && has("scan_ms"))
        row("plan (limit 100) vs a one-column scan", sprintf("%.2f ms", v["plan_ms"]),
            sprintf("SELECT max(tmdb_id) %.2f ms", v["scan_ms"]), sprintf("%.1fx", v["plan_ms"] / v["scan_ms"]),
            "none set", "INFO")
    for (k in v) {
        if (k !~ /^lock_let_go_[0-9]+$/)
            continue
        n = substr(k, 13)
        row("let the file go + take it again, " num(n) " movies", sprintf("%.1f ms", v[k] + v["lock_take_" n]),
            "a commit every 1,000 ms", pct(v[k] + v["lock_take_" n], 1000), "none set", "INFO")
    }
    if (has("lock_reader_share"))
        row("reader gets in during a slow collect", sprintf("%.1f %%", v["lock_reader_share"]),
            "of its tries", "-", ">= 90 %", pf(v["lock_reader_share"] >= 90))
    for (k in v) {
        if (k !~ /^fresh_.*_tmdb_stale_movies$/)
            continue
        p = substr(k, 7, length(k) - 7 - length("_tmdb_stale_movies") + 1)
        f = "fresh_" p "_"
        for (a = 0; a < 2; a++) {
            api = a ? "omdb" : "tmdb"
            row(sprintf("stale %s movies, %s (%d days)", toupper(api), p, v[f "days"]),
                sprintf("%.2f %%", v[f api "_stale_movies"]),
                sprintf("%s requests %s", toupper(api), num(v[f api "_requests"])), "-", "none set", "INFO")
            row(sprintf("%s counter error, %s", api == "tmdb" ? "vote_count" : "imdbVotes", p),
                sprintf("%.2f %%", v[f api "_counter_error"]), "mean relative", "-", "none set", "INFO")
        }
    }
    if (has("collect_details_last_vs_first"))
        row("collect details rate, last tenth", sprintf("%.0f movies/s", v["collect_details_tenth_10"]),
            sprintf("first tenth %.0f movies/s", v["collect_details_tenth_1"]),
            sprintf("%.1f %%", 100 * v["collect_details_last_vs_first"]), ">= 70 %",
            pf(v["collect_details_last_vs_first"] >= 0.7))
    if (has("collect_peak_rss"))
        row("peak RSS of that collect (" num(v["collect_movies"]) " movies)", sprintf("%.1f MB", v["collect_peak_rss"]),
            "limit 200 MB", pct(v["collect_peak_rss"], 200), "< 100 %", pf(v["collect_peak_rss"] < 200))
    if (has("collect_file_size"))
        row("size of that file", sprintf("%.1f MB", v["collect_file_size"]), "-", "-", "none set", "INFO")
    if (has("refresh_peak_rss"))
        row("refresh of " num(v["refresh_movies"]) " movies on it", sprintf("%.1f s, %.0f/s", v["refresh_time"], v["refresh_rate"]),
            "-", "-", "none set", "INFO")
    split("refresh export stats plan", cmds, " ")
    for (i = 1; i <= 4; i++)
        if (has(cmds[i] "_peak_rss"))
            row("peak RSS of " cmds[i] " on that file", sprintf("%.1f MB", v[cmds[i] "_peak_rss"]),
                "limit 200 MB", pct(v[cmds[i] "_peak_rss"], 200), "< 100 %", pf(v[cmds[i] "_peak_rss"] < 200))
}' "$TSV"
echo
echo "full output: $LOG; machine lines: $TSV"
exit $failed
