# Sourced by scripts that need a running reelsync-fakeapi (demo.sh, valgrind-collect.sh).
#
#   fakeapi_start NAME FAKEAPI_BIN WORKDIR [ARGS...]
#       starts the server on a free loopback port with ARGS, waits (10 s at most) for its
#       first line "listening on http://127.0.0.1:PORT", and sets fake_pid and fake_port.
#       On failure prints "NAME: ..." with the server's stderr and exits 1.
#   fakeapi_stop
#       stops it (safe to call twice, or when it never started); call it from a trap.

fake_pid=""
fake_port=""

fakeapi_start() {
    local name=$1 bin=$2 dir=$3
    shift 3
    "$bin" --port 0 "$@" >"$dir/fake.out" 2>"$dir/fake.err" &
    fake_pid=$!
    for _ in $(seq 1 100); do
        fake_port=$(sed -n '1s|^listening on http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' \
            "$dir/fake.out")
        [ -n "$fake_port" ] && return 0
        kill -0 "$fake_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "$name: reelsync-fakeapi did not start:" >&2
    cat "$dir/fake.err" >&2
    exit 1
}

fakeapi_stop() {
    if [ -n "$fake_pid" ]; then
        kill "$fake_pid" 2>/dev/null || true
        wait "$fake_pid" 2>/dev/null || true
        fake_pid=""
    fi
}
