#!/usr/bin/env bash
# The main job (README's first command): installs what is missing, builds the
# release preset, starts tern-server (LwM2M Server + Bootstrap-Server + REST
# API), puts a bootstrap configuration for the demo device through the API,
# starts tern-client against the Bootstrap-Server and waits until it is
# registered. Runs until Ctrl-C; --once: shows one read and exits (tests).
# Falls back to the old single-process demo (tern-demo) when tern-server or
# curl is not available.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc 2>/dev/null || echo 2)"
B=build/release/apps
ONCE=0
[ "${1:-}" = "--once" ] && ONCE=1
if [ ! -x $B/tern-server ] || [ ! -x $B/tern-client ] || ! command -v curl >/dev/null; then
  exec $B/tern-demo "$@"
fi
EP=demo-device
API=http://127.0.0.1:8080/api
mkdir -p build/demo-state
PIDS=()
stop() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop EXIT INT TERM
$B/tern-server --state-dir build/demo-state >build/demo-state/server.log 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do curl -s -m 1 $API/clients >/dev/null && break; sleep 0.1; done
curl -s -m 5 -X PUT $API/bootstrap/$EP \
  -d '{"servers":[{"uri":"coap://127.0.0.1:5683","ssid":101,"lifetime":60,"binding":"U","security":"nosec"}]}' >/dev/null
$B/tern-client --endpoint $EP --bootstrap coap://127.0.0.1:5783 >build/demo-state/client.log 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do curl -s -m 1 $API/clients/$EP >/dev/null 2>&1 && curl -s -m 1 $API/clients/$EP | grep -q '"endpoint"' && break; sleep 0.1; done
echo "tern-server is running (logs: build/demo-state/*.log); $EP bootstrapped and registered:"
curl -s -m 5 $API/clients/$EP; echo
if [ $ONCE = 1 ]; then
  echo "Read /3/0:"; curl -s -m 10 $API/clients/$EP/3/0; echo
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
Ctrl-C stops everything.
TXT
while kill -0 "${PIDS[0]}" 2>/dev/null; do sleep 1; done
