#!/usr/bin/env bash
# The main job (README's first command): installs what is missing, builds the
# release preset, starts tern-server (LwM2M Server + Bootstrap-Server + REST
# API, SQLite store in the state dir), puts a bootstrap configuration for the
# demo device through the API, starts tern-client against the
# Bootstrap-Server and waits until it is bootstrapped and registered. Runs
# until Ctrl-C.
#
# Options (tests/demo/ uses them to run the same flow on a test build):
#   --build-dir DIR   use the programs of DIR/apps; skips install-deps and the build
#   --once            after the registration, read /3/0 once and exit
#                     (0 only when bootstrap, registration and the read worked)
#   --coap-port N     LwM2M Server port (default 5683)
#   --bs-port N       Bootstrap-Server port (default 5783)
#   --http-port N     REST API port (default 8080)
#   --state-dir DIR   server state and logs (default build/demo-state)
#   --timeout S       give up when the device is not registered after S s (default 30)
# Falls back to the old single-process demo (tern-demo) when tern-server or
# curl is not available.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD= ONCE=0 CP=5683 BP=5783 HP=8080 STATE=build/demo-state WAIT=30
usage() { sed -n '2,20s/^# \{0,1\}//p' "$0"; }
while [ $# -gt 0 ]; do
  need() { [ $# -ge 2 ] || { echo "demo.sh: $1 needs a value" >&2; exit 2; }; }
  case $1 in
    --build-dir) need "$@"; BUILD=$2; shift 2 ;;
    --once) ONCE=1; shift ;;
    --coap-port) need "$@"; CP=$2; shift 2 ;;
    --bs-port) need "$@"; BP=$2; shift 2 ;;
    --http-port) need "$@"; HP=$2; shift 2 ;;
    --state-dir) need "$@"; STATE=$2; shift 2 ;;
    --timeout) need "$@"; WAIT=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "demo.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -z "$BUILD" ]; then
  scripts/install-deps.sh
  cmake --preset release >/dev/null
  cmake --build --preset release -j "$(nproc 2>/dev/null || echo 2)"
  BUILD=build/release
fi
B=$BUILD/apps
if [ ! -x "$B/tern-server" ] || [ ! -x "$B/tern-client" ] || ! command -v curl >/dev/null; then
  echo "demo.sh: tern-server, tern-client or curl is missing: running the old tern-demo" >&2
  if [ $ONCE = 1 ]; then exec "$B/tern-demo" --once; else exec "$B/tern-demo"; fi
fi
EP=demo-device
API=http://127.0.0.1:$HP/api
mkdir -p "$STATE"
SRV_PID= CLI_PID=
stop() {
  trap - EXIT INT TERM
  # The device first (it de-registers), then the server.
  for p in $CLI_PID $SRV_PID; do kill "$p" 2>/dev/null || true; done
  for p in $CLI_PID $SRV_PID; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM
fail() {
  echo "demo.sh: $*" >&2
  for f in "$STATE/server.log" "$STATE/client.log"; do
    [ -f "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }
  done
  exit 1
}
"$B/tern-server" --coap "[::]:$CP" --bootstrap "[::]:$BP" --http "127.0.0.1:$HP" --state-dir "$STATE" \
  >"$STATE/server.log" 2>&1 &
SRV_PID=$!
up=0
for _ in $(seq 100); do
  curl -s -m 1 "$API/clients" >/dev/null && { up=1; break; }
  kill -0 $SRV_PID 2>/dev/null || break
  sleep 0.1
done
[ $up = 1 ] || fail "tern-server did not start (is port $CP, $BP or $HP in use? see --help)"
curl -sf -m 5 -X PUT "$API/bootstrap/$EP" \
  -d '{"servers":[{"uri":"coap://127.0.0.1:'"$CP"'","ssid":101,"lifetime":60,"binding":"U","security":"nosec"}]}' \
  >/dev/null || fail "PUT /api/bootstrap/$EP failed"
"$B/tern-client" --endpoint $EP --bootstrap "coap://127.0.0.1:$BP" >"$STATE/client.log" 2>&1 &
CLI_PID=$!
reg=0
for _ in $(seq $((WAIT * 10))); do
  curl -s -m 1 "$API/clients/$EP" 2>/dev/null | grep -q '"endpoint"' && { reg=1; break; }
  kill -0 $CLI_PID 2>/dev/null || break
  sleep 0.1
done
[ $reg = 1 ] || fail "$EP did not register within ${WAIT}s"
grep -q "bootstrap of $EP succeeded" "$STATE/server.log" || fail "no successful bootstrap of $EP in the server log"
echo "$EP bootstrapped from the Bootstrap-Server (coap://127.0.0.1:$BP) and registered:"
curl -s -m 5 "$API/clients/$EP"; echo
echo "tern-server is running (logs and the SQLite store: $STATE/)"
if [ $ONCE = 1 ]; then
  echo "Read /3/0:"
  out=$(curl -s -m 10 "$API/clients/$EP/3/0")
  echo "$out"
  [[ "$out" == *'"path":"/3/0/0"'* ]] || fail "the read of /3/0 returned no values"
  exit 0
fi
cat <<TXT

Try, in another terminal:
  $B/tern clients
  $B/tern read $EP /3/0
  $B/tern observe $EP /3303/0/5700
or with curl:
  curl $API/clients
  curl $API/clients/$EP/3/0
  curl -X POST $API/clients/$EP/3303/0/5700/observe; curl -N $API/events
Everything (registrations, bootstrap configurations and sessions) is kept in
$STATE/tern.db and survives a restart. Ctrl-C stops everything.
TXT
while kill -0 $SRV_PID 2>/dev/null; do sleep 1; done
fail "tern-server exited"
