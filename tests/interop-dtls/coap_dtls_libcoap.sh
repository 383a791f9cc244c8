#!/bin/sh
# Interop: tern's CoAP endpoint over DTLS-PSK (tern_posix_dtls) against
# libcoap's GnuTLS tools on 127.0.0.1, both directions:
#   coap-client-gnutls GETs /big and /counter from `tern-coap serve --psk`;
#   `tern-coap --psk` GETs/PUTs on coap-server-gnutls (DTLS on port+1);
#   a wrong key fails the handshake (no response, non-zero exit).
# Keys are generated per run (libcoap's -k takes the key as text).
#   coap_dtls_libcoap.sh <tern-coap> <base-port>
set -u
TC=$(realpath "$1")
BASE=${2:-25790}
for t in coap-client-gnutls coap-server-gnutls od; do
  command -v $t >/dev/null 2>&1 || { echo "SKIP: $t not installed (apt-get install libcoap3-bin)"; exit 77; }
done
W=$(mktemp -d)
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT INT TERM
fail=0; pass=0
ok()  { echo "PASS $1"; pass=$((pass+1)); }
bad() { echo "FAIL $1"; fail=$((fail+1)); for f in "$W"/*.log; do echo "--- $f"; tail -n 15 "$f"; done; }

KEY="k$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
KEYHEX=$(printf '%s' "$KEY" | od -An -tx1 | tr -d ' \n')
ID=ep-dtls-interop

# ---- libcoap client -> tern-coap serve ----------------------------------------
P1=$BASE
timeout 120 "$TC" serve --bind 127.0.0.1 --port $P1 --psk "$ID:$KEYHEX" -v > "$W/tern-serve.log" 2>&1 &
PIDS="$PIDS $!"
i=0; while ! grep -q "serving on" "$W/tern-serve.log" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done

"$TC" big > "$W/big.want"
timeout 20 coap-client-gnutls -m get -u "$ID" -k "$KEY" coaps://127.0.0.1:$P1/big > "$W/big.got" 2> "$W/cc1.log"
# coap-client appends a newline
if [ "$(head -c 20480 "$W/big.got" | cksum)" = "$(cksum < "$W/big.want")" ]; then ok "libcoap client GET /big (Block2) over DTLS-PSK"; else bad "libcoap client GET /big"; fi
v=$(timeout 20 coap-client-gnutls -m get -u "$ID" -k "$KEY" coaps://127.0.0.1:$P1/counter 2> "$W/cc2.log")
case "$v" in [0-9]*) ok "libcoap client GET /counter = $v";; *) bad "libcoap client GET /counter ('$v')";; esac
# (libcoap logs to stdout: look for a counter value line)
timeout 20 coap-client-gnutls -B 5 -m get -u "$ID" -k "wrong-$KEY" coaps://127.0.0.1:$P1/counter > "$W/cc3.out" 2> "$W/cc3.log"
if ! grep -qx '[0-9][0-9]*' "$W/cc3.out" && grep -q "bad_record_mac" "$W/tern-serve.log"; then
  ok "libcoap client with a wrong key gets nothing"; else bad "wrong key"; fi

# ---- tern-coap client -> libcoap server -----------------------------------------
P2=$((BASE + 2)) # coap-server listens for DTLS on port + 1
timeout 120 coap-server-gnutls -A 127.0.0.1 -p $P2 -k "$KEY" -h "$ID" > "$W/libcoap-server.log" 2>&1 &
PIDS="$PIDS $!"
sleep 1
SP=$((P2 + 1))
if timeout 20 "$TC" get coaps://127.0.0.1:$SP/ --psk "$ID:$KEYHEX" > "$W/root.got" 2> "$W/tc1.log" && grep -q libcoap "$W/root.got"; then
  ok "tern-coap GET / from coap-server over DTLS-PSK"; else bad "tern-coap GET / from coap-server"; fi
if timeout 20 "$TC" put coaps://127.0.0.1:$SP/example_data -e "tern-dtls-$KEY" --psk "$ID:$KEYHEX" 2> "$W/tc2.log" &&
   [ "$(timeout 20 "$TC" get coaps://127.0.0.1:$SP/example_data --psk "$ID:$KEYHEX" 2> "$W/tc3.log")" = "tern-dtls-$KEY" ]; then
  ok "tern-coap PUT + GET /example_data on coap-server"; else bad "tern-coap PUT + GET /example_data"; fi
timeout 20 "$TC" get coaps://127.0.0.1:$SP/ --psk "$ID:00112233" > "$W/wrong.got" 2> "$W/tc4.log"
rc=$?
if [ $rc -eq 3 ] && [ ! -s "$W/wrong.got" ] && grep -q "handshake failed" "$W/tc4.log"; then
  ok "tern-coap with a wrong key: handshake fails (exit 3)"; else bad "tern-coap wrong key (rc $rc)"; fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
