#!/bin/sh
# tern-client's coaps:// transport (DTLS-PSK through tern_posix_dtls):
# against `tern-coap serve --psk` (a plain CoAP server over DTLS, not a LwM2M
# Server) the client completes the handshake and its Register arrives
# decrypted at /rd; with a wrong key the handshake fails and nothing arrives.
#   client_dtls.sh <tern-coap> <tern-client> <port>
set -u
TC=$(realpath "$1"); CL=$(realpath "$2"); P=${3:-25796}
W=$(mktemp -d)
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT INT TERM
fail=0
KEYHEX=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
timeout 60 "$TC" serve --bind 127.0.0.1 --port $P --psk "dev-dtls:$KEYHEX" -v > "$W/serve.log" 2>&1 &
PIDS="$PIDS $!"
i=0; while ! grep -q "serving on" "$W/serve.log" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done

timeout 20 "$CL" --endpoint dev-dtls --server coaps://127.0.0.1:$P --psk-identity dev-dtls --psk-key-hex "$KEYHEX" \
  --exit-after 2 > "$W/client-ok.log" 2>&1
if grep -q "DTLS session with 127.0.0.1:$P established" "$W/client-ok.log" && grep -q "^request.* /rd " "$W/serve.log"; then
  echo "PASS tern-client Register over DTLS-PSK reaches /rd"
else echo "FAIL tern-client over DTLS-PSK"; fail=1; cat "$W/client-ok.log" "$W/serve.log"; fi

n=$(grep -c "^request.* /rd " "$W/serve.log")
timeout 20 "$CL" --endpoint dev-dtls --server coaps://127.0.0.1:$P --psk-identity dev-dtls --psk-key-hex 00112233 \
  --exit-after 2 > "$W/client-bad.log" 2>&1
if grep -q "DTLS handshake with 127.0.0.1:$P failed" "$W/client-bad.log" && [ "$(grep -c "^request.* /rd " "$W/serve.log")" = "$n" ]; then
  echo "PASS wrong key: handshake fails, nothing reaches the server"
else echo "FAIL wrong key"; fail=1; cat "$W/client-bad.log"; fi
exit $fail
