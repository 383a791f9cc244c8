#!/usr/bin/env bash
# tern-coap client against tern-coap serve (both sides tern), as a smoke
# test of the tool itself. Usage: tern_tern.sh 4|6
. "$(dirname "$0")/lib.sh"
need timeout cmp
set_family "${1:-4}"
start_tern_server
U="coap://$HOST:$PORT"
make_big "$W/big.exp"
for b in default 16 256; do
    if [ "$b" = default ]; then opt=(); else opt=(-b "$b"); fi
    timeout 20 "$TERN_COAP" get "${opt[@]}" "$U/big" >"$W/big.got" 2>"$W/get.err" && cmp -s "$W/big.exp" "$W/big.got" &&
        ok "GET /big (block $b)" || fail "GET /big (block $b)"
done
head -c 100000 /dev/urandom >"$W/rnd.bin"
timeout 20 "$TERN_COAP" put -b 512 --file "$W/rnd.bin" "$U/sink" >/dev/null 2>"$W/put.err" &&
    timeout 20 "$TERN_COAP" get "$U/sink" >"$W/sink.got" 2>>"$W/put.err" && cmp -s "$W/rnd.bin" "$W/sink.got" &&
    ok "PUT + GET /sink (100000 bytes)" || fail "PUT/GET /sink"
timeout 20 "$TERN_COAP" observe -c 3 "$U/counter" >"$W/obs.out" 2>"$W/obs.err" && [ "$(grep -c . "$W/obs.out")" -eq 3 ] &&
    ok "observe /counter: 3 notifications" || fail "observe /counter"
timeout 10 "$TERN_COAP" delete "$U/big" >/dev/null 2>"$W/del.err"; rc=$?
[ "$rc" -eq 2 ] && grep -q '4.05' "$W/del.err" && ok "DELETE /big: 4.05, exit 2" || fail "DELETE /big (rc $rc)"
"$TERN_COAP" get "coap://$HOST:notaport/x" >/dev/null 2>&1; [ $? -eq 1 ] && ok "bad URI: exit 1" || fail "bad URI"
finish
