#!/usr/bin/env bash
# scripts/demo.sh --once against this build's programs on free ports and a
# temporary state dir: the device must bootstrap, register and answer one
# read of /3/0; then the state dir must hold the SQLite store. The demo runs
# in its own process group: everything it started must be gone when it
# exits (its EXIT trap; checked here), and the group is killed regardless.
set -u
DEMO=$1 BUILD=$2 SRV=$3 CLI=$4
[ -x "$SRV" ] && [ -x "$CLI" ] || { echo "FAIL $SRV or $CLI missing"; exit 1; }
T=$(mktemp -d)
PG=
cleanup() {
  [ -n "$PG" ] && kill -9 -- -"$PG" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
fail=0
check() { if [[ "$3" == *"$2"* ]]; then echo "ok   $1"; else echo "FAIL $1: expected '$2' in: ${3:0:400}"; fail=1; fi; }
port() { python3 -c 'import socket,sys;s=socket.socket(socket.AF_INET,int(sys.argv[1]));s.bind(("127.0.0.1",0));print(s.getsockname()[1])' "$1"; }
CP=$(port 2) BP=$(port 2) HP=$(port 1)
setsid "$DEMO" --build-dir "$BUILD" --once --coap-port $CP --bs-port $BP --http-port $HP \
  --state-dir "$T/st" --timeout 30 >"$T/out" 2>&1 &
PG=$!
for _ in $(seq 600); do kill -0 $PG 2>/dev/null || break; sleep 0.1; done
if kill -0 $PG 2>/dev/null; then echo "FAIL demo.sh still running after 60 s"; kill -TERM $PG; sleep 2; fi
wait $PG
rc=$?
out=$(cat "$T/out")
echo "$out" | sed 's/^/  | /'
check "demo.sh --once exits 0" "rc=0" "rc=$rc"
check "bootstrapped" "demo-device bootstrapped from the Bootstrap-Server (coap://127.0.0.1:$BP)" "$out"
check "registered" '"endpoint":"demo-device"' "$out"
check "read returned values" '"path":"/3/0/0"' "$out"
check "SQLite store in the state dir" "store: sqlite $T/st/tern.db" "$(cat "$T/st/server.log" 2>/dev/null)"
check "tern.db exists" yes "$([ -s "$T/st/tern.db" ] && echo yes)"
check "client de-registered on exit" 'de-regist' "$(tr 'A-Z' 'a-z' <"$T/st/client.log" 2>/dev/null)"
left=$(pgrep -g "$PG" || true)
check "nothing left running" "none" "${left:-none}"
exit $fail
