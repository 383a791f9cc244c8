# Shared helpers of the interop scripts (sourced). Every background process
# is started through `timeout` and killed by the EXIT trap; ports are picked
# at runtime (the kernel's for tern, random + probe for libcoap).
set -u

: "${TERN_COAP:?TERN_COAP must point to the tern-coap binary}"
W=$(mktemp -d "${TMPDIR:-/tmp}/tern-interop.XXXXXX")
PIDS=()
FAILS=0

# PIDS holds the `timeout` wrappers. Their child gets the SIGTERM directly:
# signalling `timeout` itself makes it re-send the signal to its whole
# process group, and a second SIGTERM arriving while LeakSanitizer's
# exit-time tracer runs can stall an ASan build. `timeout -k` bounds it all.
cleanup() {
    local p c
    for p in "${PIDS[@]}"; do
        c=$(ps -o pid= --ppid "$p" 2>/dev/null)
        if [ -n "$c" ]; then kill $c 2>/dev/null; else kill "$p" 2>/dev/null; fi
    done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    if [ "$FAILS" -ne 0 ] || [ -n "${KEEP_LOGS:-}" ]; then
        echo "--- logs in $W ---"
        for f in "$W"/*.log "$W"/*.err "$W"/*.out; do
            [ -f "$f" ] && { echo "== $f"; tail -n 40 "$f"; }
        done
    else
        rm -rf "$W"
    fi
}
trap cleanup EXIT

skip() { echo "SKIP: $*"; exit 77; }
need() { for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip "$c not installed"; done; }
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; FAILS=$((FAILS + 1)); }
finish() { if [ "$FAILS" -eq 0 ]; then echo "all passed"; exit 0; else echo "$FAILS failed"; exit 1; fi; }

# family 4|6 → loopback address and its URI form
set_family() {
    case "$1" in
    4) ADDR=127.0.0.1; HOST=127.0.0.1 ;;
    6) grep -qi '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null || skip "no IPv6 loopback (::1)"
       ADDR=::1; HOST='[::1]' ;;
    *) echo "family must be 4 or 6"; exit 2 ;;
    esac
}

# The 20480-byte body tern-coap serves as /big (see apps/tern_coap.c).
make_big() {
    local i
    for i in $(seq 0 319); do
        printf '%05d tern /big abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJK\n' "$i"
    done > "$1"
}

# Starts `tern-coap serve` on $ADDR, port chosen by the kernel → $PORT.
start_tern_server() {
    timeout -k 5 60 "$TERN_COAP" serve --bind "$ADDR" --port 0 -v >"$W/tern-srv.out" 2>"$W/tern-srv.err" &
    PIDS+=($!)
    local i
    for i in $(seq 1 100); do
        if grep -q 'serving on' "$W/tern-srv.out" 2>/dev/null; then
            PORT=$(sed -n 's/.*serving on .*:\([0-9][0-9]*\) .*/\1/p' "$W/tern-srv.out" | head -n1)
            [ -n "$PORT" ] && return 0
        fi
        sleep 0.05
    done
    echo "tern-coap serve did not start"; cat "$W/tern-srv.err"; exit 1
}

# Starts coap-server-notls on $ADDR with dynamic resources (-d) → $PORT.
start_libcoap_server() {
    local try i pid
    for try in 1 2 3 4 5; do
        PORT=$((20000 + (RANDOM * 7 + $$) % 40000))
        timeout -k 5 60 coap-server-notls -A "$ADDR" -p "$PORT" -d 16 -v 4 >"$W/libcoap-srv.log" 2>&1 &
        pid=$!
        for i in $(seq 1 40); do
            kill -0 "$pid" 2>/dev/null || break
            if timeout 2 coap-client-notls -B 1 -o "$W/probe" "coap://$HOST:$PORT/" >/dev/null 2>&1 &&
               [ -s "$W/probe" ]; then
                PIDS+=("$pid")
                return 0
            fi
            sleep 0.05
        done
        kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    done
    echo "coap-server-notls did not start"; cat "$W/libcoap-srv.log"; exit 1
}
