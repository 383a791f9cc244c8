#!/usr/bin/env bash
# tern-coap against libcoap's coap-server-notls (an independent
# implementation): Block1 PUT of 20 KB to a dynamic resource (-d), Block2 GET
# of it back, Observe of /time (3 notifications, active cancel), 4.04.
# Usage: libcoap_server.sh 4|6
. "$(dirname "$0")/lib.sh"
need coap-server-notls coap-client-notls timeout cmp
set_family "${1:-4}"
start_libcoap_server
U="coap://$HOST:$PORT"
make_big "$W/big.exp"
head -c 20480 /dev/urandom >"$W/rnd.bin"

# Block1 PUT creates /dyn64 (-d); Block2 GET reads it back in several sizes
if timeout 20 "$TERN_COAP" put -b 64 --file "$W/rnd.bin" "$U/dyn64" >"$W/put64.out" 2>"$W/put64.err"; then
    ok "tern-coap PUT 20480 bytes in 64-byte blocks"; else fail "tern-coap PUT -b 64 (rc $?)"; fi
for b in default 64 1024; do
    if [ "$b" = default ]; then opt=(); else opt=(-b "$b"); fi
    if timeout 20 "$TERN_COAP" get "${opt[@]}" "$U/dyn64" >"$W/dyn.got" 2>"$W/get-$b.err" &&
       cmp -s "$W/rnd.bin" "$W/dyn.got"; then ok "tern-coap GET (block $b) returns the 20480 bytes"
    else fail "tern-coap GET (block $b)"; fi
done
# cross-check with libcoap's own client
timeout 20 coap-client-notls -o "$W/lc.got" "$U/dyn64" >/dev/null 2>&1 && cmp -s "$W/rnd.bin" "$W/lc.got" &&
    ok "coap-client reads back what tern-coap PUT" || fail "coap-client read-back differs"
# default block size, text body
if timeout 20 "$TERN_COAP" put --file "$W/big.exp" "$U/dynbig" >/dev/null 2>"$W/put.err" &&
   timeout 20 "$TERN_COAP" get "$U/dynbig" >"$W/big.got" 2>>"$W/put.err" && cmp -s "$W/big.exp" "$W/big.got"; then
    ok "tern-coap PUT + GET with default (1024) blocks"; else fail "tern-coap PUT/GET default blocks"; fi
# small body without Block1
timeout 10 "$TERN_COAP" put --data "hello tern" "$U/small" 2>/dev/null >/dev/null &&
    [ "$(timeout 10 "$TERN_COAP" get "$U/small" 2>/dev/null)" = "hello tern" ] &&
    ok "tern-coap PUT/GET small body" || fail "small PUT/GET"

# Observe /time (libcoap's example server notifies every second)
start=$(date +%s)
if timeout 30 "$TERN_COAP" observe --count 3 --timeout 20 "$U/time" >"$W/obs.out" 2>"$W/obs.err"; then
    n=$(grep -c . "$W/obs.out")
    [ "$n" -eq 3 ] && ok "tern-coap observed /time: 3 notifications, cancelled in $(( $(date +%s) - start )) s" ||
        fail "tern-coap observe printed $n lines"
else fail "tern-coap observe /time (rc $?)"; fi

# errors are reported with a non-zero exit
timeout 10 "$TERN_COAP" get "$U/nothing-here" >/dev/null 2>"$W/404.err"
rc=$?
[ "$rc" -eq 2 ] && grep -q '4.04' "$W/404.err" && ok "4.04 gives exit 2 and a message" || fail "4.04 handling (rc $rc)"
finish
