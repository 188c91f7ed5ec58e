#!/usr/bin/env bash
# The layout's rules (docs/internals/layout.md), checked on the sources and on the objects
# of a build; ctest runs it as the `layout` test. Prints one line per broken rule and exits 1
# if there is any.
#
#   scripts/check-layout.sh BUILD_DIR
#
# 1. No C file outside tests/ over 600 lines: one concern per file.
# 2. Each outside library's header is included only by the module that wraps it:
#    duckdb.h under src/store/, curl.h under src/http/ (and by src/main.c, for
#    curl_global_init), jansson.h by src/tmdb*.c, src/tmdb_int.h, src/omdb.c and
#    src/json_load.[ch] (and fake/).
# 3. The program (src/main.c, src/cli/) includes only the public headers include/reelsync/
#    and its own.
# 4. No include cycle between files of src/, and no call cycle: a file that calls a
#    function of another is never called back by it, directly or around a loop (read from
#    the symbols each object of BUILD_DIR defines and uses).
# 5. Nothing in the repository's code or docs cites a document outside it.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: check-layout.sh BUILD_DIR}
cd "$top"
fail=0
bad() {
    printf 'layout: %s\n' "$*"
    fail=1
}

# 1. file sizes
while read -r f; do
    n=$(wc -l <"$f")
    [ "$n" -le 600 ] || bad "$f has $n lines (at most 600: split it by concern)"
done < <(git ls-files -co --exclude-standard 'src/*.[ch]' 'include/*.h' 'fake/*.[ch]' 'bench/*.c')

# 2. outside libraries behind their modules
only() { # only HEADER-REGEX ALLOWED-REGEX WHAT (not a pipeline: bad must set fail here)
    while read -r f; do
        bad "$f includes $3 (only ${2//|/, } may)"
    done < <(grep -rlE "^#include <($1)>" src | grep -vE "^($2)$")
}
only 'duckdb\.h' 'src/store/[^/]*\.[ch]' duckdb.h
only 'curl/[a-z]*\.h' 'src/http/[a-z_]*\.[ch]|src/main\.c' curl.h
only 'jansson\.h' 'src/tmdb\.c|src/tmdb_lists\.c|src/tmdb_read\.c|src/tmdb_int\.h|src/omdb\.c|src/json_load\.[ch]' jansson.h

# 3. the program is a client of the public API
grep -nE '^#include "' src/main.c src/cli/*.[ch] | grep -vE '#include "(reelsync/[a-z_]+\.h|[a-z_]+\.h)"' |
    while IFS= read -r l; do bad "program includes outside include/reelsync: $l"; done
for f in src/main.c src/cli/*.[ch]; do
    grep -oE '^#include "[a-z_]+\.h"' "$f" | sed 's/.*"\(.*\)"/\1/' | while read -r h; do
        [ -f "src/cli/$h" ] || bad "$f includes \"$h\", which is not the program's own header"
    done
done

# 4a. include cycles: edges from each file to the src/ headers it includes
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
for f in $(git ls-files -co --exclude-standard 'src/*.[ch]'); do
    d=$(dirname "$f")
    grep -oE '^#include "[^"]+"' "$f" | sed 's/.*"\(.*\)"/\1/' | while read -r h; do
        for c in "$d/$h" "src/$h" "include/$h"; do
            [ -f "$c" ] && { echo "$f $(realpath --relative-to=. "$c")"; break; }
        done
    done
done >"$edges"
loop=$(tsort "$edges" 2>&1 >/dev/null | grep -v 'input contains a loop' | sed 's/^tsort: //')
[ -z "$loop" ] || bad "include cycle between: $(echo $loop)"

# 4b. call cycles between the objects of src/ (libreelsync and the program)
# (objects of sources that no longer exist, left in the build tree by a move, are passed over)
objs=$(find "$build/CMakeFiles" -path '*/src/*' -name '*.c.o' \
    \( -path '*/rs_*.dir/*' -o -path '*/reelsync.dir/*' \) 2>/dev/null | sort |
    while read -r o; do s=${o#*.dir/}; [ -f "${s%.o}" ] && echo "$o"; done)
if [ -z "$objs" ]; then
    bad "no objects under $build/CMakeFiles (build first)"
else
    : >"$edges"
    defs=$(mktemp)
    for o in $objs; do
        src=${o#*.dir/}
        src=${src%.o}
        nm -g --defined-only "$o" | awk -v s="$src" '$2 ~ /[TDBR]/ {print $3, s}'
    done | sort >"$defs"
    for o in $objs; do
        src=${o#*.dir/}
        src=${src%.o}
        nm -u "$o" | awk '{print $2}' | sort | join - "$defs" | awk -v s="$src" '$2 != s {print s, $2}'
    done | sort -u >"$edges"
    rm -f "$defs"
    loop=$(tsort "$edges" 2>&1 >/dev/null | grep -v 'input contains a loop' | sed 's/^tsort: //')
    [ -z "$loop" ] || bad "call cycle between: $(echo $loop)"
fi

# 5. the repository stands on its own
git grep -nE '\bSPEC\b|STYLE\.md|\.\./shared|shared/(seed|research|fixtures)' -- \
    src include fake tests bench docs scripts README.md CMakeLists.txt Makefile ':!scripts/check-layout.sh' |
    while IFS= read -r l; do bad "cites a document outside the repository: $l"; done

exit $fail
