#!/usr/bin/env bash
# libcoap's coap-client-notls (an independent implementation) against
# `tern-coap serve`: Block2 GET of /big, Block1 PUT of 20 KB to /sink,
# Observe of /counter with active cancellation. Usage: libcoap_client.sh 4|6
. "$(dirname "$0")/lib.sh"
need coap-client-notls timeout cmp
set_family "${1:-4}"
start_tern_server
U="coap://$HOST:$PORT"
make_big "$W/big.exp"

# Block2: default block size and 64-byte blocks (early negotiation)
for b in default 64 1024; do
    rm -f "$W/big.got"
    if [ "$b" = default ]; then opt=(); else opt=(-b "$b"); fi
    if timeout 20 coap-client-notls "${opt[@]}" -o "$W/big.got" "$U/big" >"$W/get-$b.log" 2>&1 &&
       cmp -s "$W/big.exp" "$W/big.got"; then ok "coap-client GET /big (block $b): 20480 bytes match"
    else fail "coap-client GET /big (block $b)"; fi
done

# Block1: 20 KB of random bytes in 64- and 1024-byte blocks; tern must store
# exactly those bytes (its output and a GET back)
head -c 20480 /dev/urandom >"$W/rnd.bin"
for b in 64 1024; do
    before=$(grep -c 'sink: stored 20480 bytes' "$W/tern-srv.out")
    if timeout 20 coap-client-notls -m put -b "$b" -f "$W/rnd.bin" "$U/sink" >"$W/put-$b.log" 2>&1; then
        ok "coap-client PUT /sink (block $b)"
    else fail "coap-client PUT /sink (block $b)"; fi
    after=$(grep -c 'sink: stored 20480 bytes' "$W/tern-srv.out")
    [ "$after" -eq $((before + 1)) ] && ok "tern stored 20480 bytes" || fail "tern did not report the stored body"
    rm -f "$W/sink.got"
    if timeout 20 coap-client-notls -b "$b" -o "$W/sink.got" "$U/sink" >/dev/null 2>&1 &&
       cmp -s "$W/rnd.bin" "$W/sink.got"; then ok "GET /sink returns exactly the PUT bytes"
    else fail "GET /sink after PUT (block $b) differs"; fi
done
# POST too (same resource, different bytes)
head -c 5000 /dev/urandom >"$W/rnd2.bin"
timeout 20 coap-client-notls -m post -b 256 -f "$W/rnd2.bin" "$U/sink" >/dev/null 2>&1 &&
    grep -q 'sink: stored 5000 bytes' "$W/tern-srv.out" && ok "coap-client POST /sink (5000 bytes)" ||
    fail "coap-client POST /sink"

# Observe /counter for 4 s: >= 3 notifications, then libcoap deregisters
timeout 20 coap-client-notls -v 6 -s 4 "$U/counter" >"$W/obs.log" 2>&1
n=$(grep -c 'c:2.05.*Observe:' "$W/obs.log")
[ "$n" -ge 3 ] && ok "coap-client observed /counter: $n notifications" ||
    fail "coap-client observed only $n notifications"
for i in $(seq 1 40); do
    grep -q 'observer of /counter gone' "$W/tern-srv.err" && break
    sleep 0.1
done
grep -q 'observer of /counter gone' "$W/tern-srv.err" &&
    ok "the observation ended on the tern side ($(sed -n 's/.*observer of \/counter gone: //p' "$W/tern-srv.err" | head -n1))" ||
    fail "tern still has the observer after coap-client left"

# discovery
timeout 10 coap-client-notls -o "$W/wk" "$U/.well-known/core" >/dev/null 2>&1
grep -q '</counter>;.*obs' "$W/wk" && ok "/.well-known/core lists the resources" || fail "/.well-known/core"
finish
