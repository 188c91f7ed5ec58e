#!/usr/bin/env bash
# Installs what reelsync needs to build and test, and only what is missing; safe to run again.
# With --fuzz (make fuzz), also clang and libclang-rt-N-dev (libFuzzer); with --valgrind
# (make valgrind), valgrind; with --format (make format-check), clang-format; with --browser
# (make test, make test-asan), Debian's chromium, the headless browser test_report loads the
# HTML report in.
#   - Debian packages: compiler tool chain, libcurl (OpenSSL), jansson, libmicrohttpd, cmocka, wrk,
#     man-db (the man_page test renders docs/reelsync.1)
#   - DuckDB 1.4.5 (LTS): libduckdb.so and duckdb.h, from the npm registry, pinned by sha256
# A user who already has DuckDB points DUCKDB_HOME at a folder with include/duckdb.h and
# lib/libduckdb.so (or has them installed system-wide); then nothing is fetched.
set -euo pipefail

# --- the one place DuckDB is pinned --------------------------------------------------------
# 1.4.5 mends a silent corruption of 1.4.4 and before: an append of strings DuckDB takes back
# (on a key conflict) left its bytes counted in the segment, and the next strings appended
# there were read with them glued on (duckdb#22279, fixed by #21489). The header comes from
# the last `duckdb` package (1.4.4): the C API's duckdb.h is the same file in 1.4.4 and 1.4.5.
DUCKDB_VERSION=1.4.5
DUCKDB_LIB_PKG="@duckdb/node-bindings-linux-x64@1.4.5-r.1"
DUCKDB_LIB_SHA256=30e93d61a84dac10b1e0dc0b8b1a14616c7116f0c43d089ef196afb9255a7674
DUCKDB_HDR_PKG="duckdb@1.4.4"
DUCKDB_HDR_SHA256=5bb967dcbcd517670ba5f169f238fb9d6787e53752c60ebe24386169d76941ed
# --------------------------------------------------------------------------------------------

top=$(cd "$(dirname "$0")/.." && pwd)
dest="$top/third_party/duckdb"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/reelsync"

say() { printf 'deps: %s\n' "$*" >&2; }

need_pkgs=()
have_pc() { pkg-config --exists "$1" 2>/dev/null; }
# `scripts/deps.sh --valgrind` (make valgrind) also wants valgrind.
if [ "${1:-}" = "--valgrind" ] && ! command -v valgrind >/dev/null; then
    need_pkgs+=(valgrind)
fi
# `scripts/deps.sh --format` (make format, make format-check) also wants clang-format.
if [ "${1:-}" = "--format" ] && ! command -v clang-format >/dev/null; then
    need_pkgs+=(clang-format)
fi
# `scripts/deps.sh --browser` (make test) also wants a headless Chromium.
if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null &&
    ! command -v chromium-browser >/dev/null; then
    need_pkgs+=(chromium)
fi
# `scripts/deps.sh --fuzz` (make fuzz) also wants clang and its libFuzzer runtime.
if [ "${1:-}" = "--fuzz" ]; then
    if ! command -v clang >/dev/null; then
        need_pkgs+=(clang)
    fi
    clang_major=$(clang -dumpversion 2>/dev/null | cut -d. -f1 || true)
    rt=$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null || true)
    if [ -z "$clang_major" ]; then
        need_pkgs+=(libclang-rt-14-dev)
    elif [ ! -f "$rt" ] && [ ! -f "$(clang -print-resource-dir 2>/dev/null)/lib/linux/libclang_rt.fuzzer-x86_64.a" ]; then
        need_pkgs+=("libclang-rt-$clang_major-dev")
    fi
fi
command -v cc >/dev/null || need_pkgs+=(gcc)
command -v cmake >/dev/null || need_pkgs+=(cmake)
command -v make >/dev/null || need_pkgs+=(make)
command -v pkg-config >/dev/null || need_pkgs+=(pkg-config)
# npm only fetches DuckDB: not needed when a DuckDB is already there (ours, the user's, the system's).
stamp="$dest/.version"
have_duckdb() {
    [ -n "${DUCKDB_HOME:-}" ] || [ -f /usr/include/duckdb.h ] || [ -f /usr/local/include/duckdb.h ] ||
    { [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$DUCKDB_VERSION $DUCKDB_LIB_SHA256 $DUCKDB_HDR_SHA256" ] &&
      [ -f "$dest/lib/libduckdb.so" ] && [ -f "$dest/include/duckdb.h" ]; }
}
have_duckdb || command -v npm >/dev/null || need_pkgs+=(npm)
command -v wrk >/dev/null || need_pkgs+=(wrk)
command -v man >/dev/null || need_pkgs+=(man-db)
have_pc libcurl && dpkg -s libcurl4-openssl-dev >/dev/null 2>&1 || need_pkgs+=(libcurl4-openssl-dev)
have_pc jansson || need_pkgs+=(libjansson-dev)
have_pc libmicrohttpd || need_pkgs+=(libmicrohttpd-dev)
have_pc cmocka || need_pkgs+=(libcmocka-dev)
if [ ${#need_pkgs[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    say "installing ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! $sudo apt-get install -y -qq "${need_pkgs[@]}" >/dev/null 2>&1; then
        $sudo apt-get update -qq
        $sudo apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
    fi
fi

# DuckDB: a user's own copy wins.
if [ -n "${DUCKDB_HOME:-}" ]; then
    [ -f "$DUCKDB_HOME/include/duckdb.h" ] && [ -f "$DUCKDB_HOME/lib/libduckdb.so" ] || {
        say "DUCKDB_HOME='$DUCKDB_HOME' lacks include/duckdb.h or lib/libduckdb.so"; exit 1; }
    exit 0
fi
if have_duckdb; then
    exit 0
fi

fetch() { # package sha256 -> path of the verified tarball in the cache
    local pkg=$1 sum=$2 file
    mkdir -p "$cache"
    file=$(ls "$cache"/*.tgz 2>/dev/null | while read -r f; do
        [ "$(sha256sum "$f" | cut -d' ' -f1)" = "$sum" ] && echo "$f" && break; done || true)
    if [ -z "$file" ]; then
        say "fetching $pkg"
        file="$cache/$(cd "$cache" && npm pack --silent "$pkg" 2>/dev/null | tail -n 1)"
    fi
    if [ ! -f "$file" ] || [ "$(sha256sum "$file" | cut -d' ' -f1)" != "$sum" ]; then
        say "checksum mismatch for $pkg (expected $sum); refusing to use it"
        rm -f "$file"
        exit 1
    fi
    echo "$file"
}
lib_tgz=$(fetch "$DUCKDB_LIB_PKG" "$DUCKDB_LIB_SHA256")
hdr_tgz=$(fetch "$DUCKDB_HDR_PKG" "$DUCKDB_HDR_SHA256")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$lib_tgz" -C "$tmp" package/libduckdb.so
tar -xzf "$hdr_tgz" -C "$tmp" package/src/duckdb/src/include/duckdb.h
rm -rf "$dest"
mkdir -p "$dest/lib" "$dest/include"
mv "$tmp/package/libduckdb.so" "$dest/lib/"
mv "$tmp/package/src/duckdb/src/include/duckdb.h" "$dest/include/"
echo "$DUCKDB_VERSION $DUCKDB_LIB_SHA256 $DUCKDB_HDR_SHA256" > "$stamp"
say "DuckDB $DUCKDB_VERSION ready in third_party/duckdb"
