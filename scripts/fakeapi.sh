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
    # The file exists before the server is forked: a busy machine may run the first sed
    # before the child has opened it, and under `set -e` sed's complaint would end the caller.
    : >"$dir/fake.out"
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
        # A SIGTERM that lands between fork and exec is taken by the shell's inherited trap
        # and lost, and a plain wait would then hang: ask again, and after 5 s insist.
        # (An exited server stays a zombie until the wait: that ends the asking too.)
        for _ in $(seq 1 50); do
            kill "$fake_pid" 2>/dev/null || break
            sleep 0.1
            [ "$(cut -d' ' -f3 "/proc/$fake_pid/stat" 2>/dev/null)" = Z ] && break
        done
        kill -9 "$fake_pid" 2>/dev/null || true
        wait "$fake_pid" 2>/dev/null || true
        fake_pid=""
    fi
}
