#!/usr/bin/env bash
# tern-server REST API end to end: starts tern-server on free ports with a
# required token, registers tern-client, then checks the API with curl.
set -u
SRV=$1 CLI=$2
T=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail=0
port() { python3 -c 'import socket,sys;s=socket.socket(socket.AF_INET,int(sys.argv[1]));s.bind(("127.0.0.1",0));print(s.getsockname()[1])' "$1"; }
CP=$(port 2) BP=$(port 2) HP=$(port 1)
"$SRV" --coap 127.0.0.1:$CP --bootstrap 127.0.0.1:$BP --http 127.0.0.1:$HP --state-dir "$T/st" \
  --require-token --token tk --request-timeout 5 >"$T/srv.out" 2>"$T/srv.err" &
PIDS+=($!)
sleep 0.5
"$CLI" --endpoint api-dev --server coap://127.0.0.1:$CP --exit-after 100 >"$T/cli.out" 2>&1 &
PIDS+=($!)
U=http://127.0.0.1:$HP/api
c() { curl -s -m 10 -H "Authorization: Bearer tk" "$@"; }
check() { # name, expected substring, output
  if [[ "$3" == *"$2"* ]]; then echo "ok   $1"; else echo "FAIL $1: expected '$2' in: ${3:0:300}"; fail=1; fi
}
for _ in $(seq 50); do c $U/clients | grep -q api-dev && break; sleep 0.1; done
check "401 without token" 401 "$(curl -s -m 5 -o /dev/null -w '%{http_code}' $U/clients)"
check "list clients" '"endpoint":"api-dev"' "$(c $U/clients)"
check "one client" '"objects":[' "$(c $U/clients/api-dev)"
for f in tlv senml-json senml-cbor lwm2m-cbor; do
  check "read /3/0 $f" "\"format\":\"$f\"" "$(c "$U/clients/api-dev/3/0?format=$f")"
done
check "read value" '"path":"/3/0/0","type":"string"' "$(c $U/clients/api-dev/3/0)"
check "write" '"code":"2.04"' "$(c -X PUT $U/clients/api-dev/3/0/14 -d '{"value":"+05:00"}')"
check "read back" '"value":"+05:00"' "$(c $U/clients/api-dev/3/0/14)"
check "execute" '"code":"2.04"' "$(c -X POST $U/clients/api-dev/3/0/12/exec)"
check "discover" '"path":"/3/0/0"' "$(c $U/clients/api-dev/3/0/discover)"
check "composite read" '"path":"/3303/0/5700"' "$(c -X POST $U/clients/api-dev/composite/read -d '{"paths":["/3/0/0","/3303/0/5700"]}')"
check "observe" '"id":"' "$(c -X POST $U/clients/api-dev/3303/0/5700/observe)"
check "404 unknown endpoint" 404 "$(c -o /dev/null -w '%{http_code}' $U/clients/nope/3/0)"
check "400 bad JSON" 400 "$(c -o /dev/null -w '%{http_code}' -X PUT $U/clients/api-dev/3/0/14 -d '{bad')"
check "bootstrap PUT" '"psk_key_set":true' "$(c -X PUT $U/bootstrap/bs-dev -d '{"servers":[{"uri":"coap://127.0.0.1:'$CP'","ssid":101,"lifetime":60,"security":"psk","psk_identity":"id","psk_key":"00112233"}]}')"
out=$(c $U/bootstrap/bs-dev)
check "bootstrap GET" '"psk_identity":"id"' "$out"
if [[ "$out" == *00112233* ]]; then echo "FAIL psk_key returned"; fail=1; else echo "ok   psk_key not returned"; fi
# Events: a bootstrap of a second client (NoSec config) arrives on the SSE stream.
c -X PUT $U/bootstrap/bs-dev2 -d '{"servers":[{"uri":"coap://127.0.0.1:'$CP'","ssid":101,"lifetime":60}]}' >/dev/null
c -N -m 8 $U/events >"$T/events" &
PIDS+=($!)
sleep 0.5
"$CLI" --endpoint bs-dev2 --bootstrap coap://127.0.0.1:$BP --exit-after 100 >"$T/cli2.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 60); do grep -q "event: registration" "$T/events" && break; sleep 0.1; done
check "SSE bootstrap event" 'event: bootstrap' "$(cat "$T/events")"
check "SSE registration event" '"endpoint":"bs-dev2"' "$(cat "$T/events")"
check "bootstrap sessions" '"success":true' "$(c $U/bootstrap/sessions)"
if [ $fail -ne 0 ]; then echo "--- server log"; tail -20 "$T/srv.err"; fi
exit $fail
