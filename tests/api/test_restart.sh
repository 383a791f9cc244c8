#!/usr/bin/env bash
# tern-server on its default SQLite store survives kill -9: registers
# tern-client (bootstrapped through the Bootstrap-Server), PUTs bootstrap
# configurations, kills the client and the server with SIGKILL, restarts the
# server on the same state dir and checks that the client, the configurations
# (without psk_key) and the bootstrap session records are all still there,
# that a stored configuration still bootstraps a new device, and that a
# DELETE survives the next restart too.
set -u
SRV=$1 CLI=$2
T=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail=0
port() { python3 -c 'import socket,sys;s=socket.socket(socket.AF_INET,int(sys.argv[1]));s.bind(("127.0.0.1",0));print(s.getsockname()[1])' "$1"; }
CP=$(port 2) BP=$(port 2)
HP=
check() { # name, expected substring, output
  if [[ "$3" == *"$2"* ]]; then echo "ok   $1"; else echo "FAIL $1: expected '$2' in: ${3:0:300}"; fail=1; fi
}
c() { curl -s -m 10 "$@"; }
start_srv() { # log name
  HP=$(port 1)
  "$SRV" --coap 127.0.0.1:$CP --bootstrap 127.0.0.1:$BP --http 127.0.0.1:$HP --state-dir "$T/st" \
    --request-timeout 5 >>"$T/$1.out" 2>>"$T/$1.err" &
  SRV_PID=$!
  PIDS+=($SRV_PID)
  U=http://127.0.0.1:$HP/api
  for _ in $(seq 100); do c $U/clients >/dev/null && return 0; sleep 0.1; done
  echo "FAIL server did not start"; fail=1
}
wait_reg() { for _ in $(seq 100); do c $U/clients | grep -q "\"endpoint\":\"$1\"" && return 0; sleep 0.1; done; return 1; }

start_srv srv1
check "store is sqlite (default)" "store: sqlite $T/st/tern.db" "$(cat "$T/srv1.err")"
check "bootstrap PUT nosec" '"endpoint":"rs-dev"' \
  "$(c -X PUT $U/bootstrap/rs-dev -d '{"servers":[{"uri":"coap://127.0.0.1:'$CP'","ssid":101,"lifetime":60,"binding":"U"}]}')"
check "bootstrap PUT psk" '"psk_key_set":true' \
  "$(c -X PUT $U/bootstrap/rs-psk -d '{"servers":[{"uri":"coap://127.0.0.1:'$CP'","ssid":7,"lifetime":90,"security":"psk","psk_identity":"id-7","psk_key":"00112233"}],"writes":[{"path":"/3/0/14","value":"+02:00"}]}')"
"$CLI" --endpoint rs-dev --bootstrap coap://127.0.0.1:$BP --exit-after 100 >"$T/cli1.out" 2>&1 &
CLI_PID=$!
PIDS+=($CLI_PID)
wait_reg rs-dev || { echo "FAIL rs-dev did not register"; fail=1; }
for _ in $(seq 50); do c $U/bootstrap/sessions | grep -q '"success":true' && break; sleep 0.1; done
check "session recorded" '"endpoint":"rs-dev"' "$(c $U/bootstrap/sessions)"
loc=$(c $U/clients/rs-dev | grep -o '"location":"[^"]*"')

{ kill -9 $CLI_PID $SRV_PID; wait $CLI_PID $SRV_PID; } 2>/dev/null
check "database is 0600" 600 "$(stat -c %a "$T/st/tern.db")"

start_srv srv2
check "restored count logged" "(1 registrations, 2 bootstrap configurations)" "$(cat "$T/srv2.err")"
check "client listed after kill -9" '"endpoint":"rs-dev"' "$(c $U/clients)"
check "client details" '"objects":[' "$(c $U/clients/rs-dev)"
check "same location" "${loc:-no location before}" "$(c $U/clients/rs-dev)"
out=$(c $U/bootstrap/rs-psk)
check "psk config after restart" '"psk_identity":"id-7"' "$out"
check "psk_key_set after restart" '"psk_key_set":true' "$out"
check "writes after restart" '"path":"/3/0/14"' "$out"
check "lifetime after restart" '"lifetime":90' "$out"
if [[ "$out" == *00112233* ]]; then echo "FAIL psk_key returned"; fail=1; else echo "ok   psk_key not returned"; fi
check "nosec config after restart" '"uri":"coap://127.0.0.1:'$CP'"' "$(c $U/bootstrap/rs-dev)"
check "config list" '"endpoint":"rs-psk"' "$(c $U/bootstrap)"
out=$(c $U/bootstrap/sessions)
check "sessions after restart" '"endpoint":"rs-dev"' "$out"
check "session success after restart" '"success":true' "$out"
# A stored configuration still bootstraps a device after the restart.
"$CLI" --endpoint rs-dev --bootstrap coap://127.0.0.1:$BP --exit-after 100 >"$T/cli2.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 80); do [ "$(c $U/bootstrap/sessions | grep -o '"endpoint":"rs-dev"' | wc -l)" -ge 2 ] && break; sleep 0.1; done
check "second bootstrap from the stored config" 2 "$(c $U/bootstrap/sessions | grep -o '"endpoint":"rs-dev"' | wc -l)"
check "DELETE config" '"deleted":true' "$(c -X DELETE $U/bootstrap/rs-psk)"
{ kill -9 $SRV_PID; wait $SRV_PID; } 2>/dev/null

start_srv srv3
check "DELETE survived the restart" 404 "$(c -o /dev/null -w '%{http_code}' $U/bootstrap/rs-psk)"
check "other config kept" '"endpoint":"rs-dev"' "$(c $U/bootstrap/rs-dev)"
kill $SRV_PID
wait $SRV_PID 2>/dev/null
rc3=$?
check "clean shutdown" "shutting down" "$(cat "$T/srv3.err")"
check "exit status 0 after SIGTERM" "rc=0" "rc=$rc3"
if grep -lE "Sanitizer|runtime error" "$T"/*.err; then echo "FAIL sanitizer report"; fail=1; else echo "ok   no sanitizer report"; fi

# --store memory forgets everything.
"$SRV" --coap 127.0.0.1:$CP --bootstrap 127.0.0.1:$BP --http 127.0.0.1:$HP --state-dir "$T/st" \
  --store memory >"$T/mem.out" 2>"$T/mem.err" &
SRV_PID=$!
PIDS+=($SRV_PID)
for _ in $(seq 100); do c $U/clients >/dev/null && break; sleep 0.1; done
check "--store memory starts empty" 404 "$(c -o /dev/null -w '%{http_code}' $U/bootstrap/rs-dev)"
kill $SRV_PID
wait $SRV_PID 2>/dev/null
check "--store memory exits 0" "rc=0" "rc=$?"
if [ $fail -ne 0 ]; then for f in "$T"/*.err; do echo "--- $f"; tail -15 "$f"; done; fi
exit $fail
