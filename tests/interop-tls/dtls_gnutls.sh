#!/bin/sh
# Interop: tern's TLS layer (tern-tls-probe) against GnuTLS's command-line
# tools (package gnutls-bin) over real sockets on 127.0.0.1: DTLS with PSK,
# RPK and X.509 in both directions, and TLS over TCP. Every process is
# bounded by `timeout` and killed on exit.
#   dtls_gnutls.sh <tern-tls-probe> <base-port>
set -u
PROBE=$(realpath "$1")
BASE=${2:-25680}
for t in gnutls-serv gnutls-cli certtool; do
  command -v $t >/dev/null 2>&1 || { echo "SKIP: $t not installed (apt-get install gnutls-bin)"; exit 77; }
done
W=$(mktemp -d)
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT INT TERM
fail=0; pass=0
ok()  { echo "PASS $1"; pass=$((pass+1)); }
bad() { echo "FAIL $1"; fail=$((fail+1)); for f in "$W"/*.log; do echo "--- $f"; tail -n 15 "$f"; done; }

# ---- credentials (generated now, test-only, deleted on exit) ----------------
cd "$W"
printf 'ep-interop:000102030405060708090a0b0c0d0e0f\n' > psk.txt
cat > ca.tmpl <<T
cn = "tern interop CA"
ca
cert_signing_key
expiration_days = 2
T
cat > srv.tmpl <<T
cn = "lwm2m.example"
dns_name = "lwm2m.example"
tls_www_server
signing_key
expiration_days = 2
T
cat > cli.tmpl <<T
cn = "urn:dev:interop"
tls_www_client
signing_key
expiration_days = 2
T
gen() { certtool --generate-privkey --key-type ecdsa --curve secp256r1 --no-text --outfile "$1.key" 2>/dev/null; }
gen ca; gen srv; gen cli; gen rsrv; gen rcli
certtool --generate-self-signed --load-privkey ca.key --template ca.tmpl --outfile ca.pem 2>/dev/null
certtool --generate-certificate --load-privkey srv.key --load-ca-certificate ca.pem --load-ca-privkey ca.key \
  --template srv.tmpl --outfile srv.pem 2>/dev/null
certtool --generate-certificate --load-privkey cli.key --load-ca-certificate ca.pem --load-ca-privkey ca.key \
  --template cli.tmpl --outfile cli.pem 2>/dev/null
certtool --load-privkey rsrv.key --pubkey-info --outfile rsrv.pub 2>/dev/null
certtool --load-privkey rcli.key --pubkey-info --outfile rcli.pub 2>/dev/null
[ -s srv.pem ] && [ -s rsrv.pub ] || { echo "FAIL: certtool could not make credentials"; exit 1; }

PRIO="NORMAL:+VERS-DTLS1.2:+PSK:+AES-128-CCM-8:+CTYPE-SRV-RAWPK:+CTYPE-CLI-RAWPK"

# Runs gnutls-serv in the background on port $1 with the remaining args.
serv() { port=$1; shift; timeout 20 gnutls-serv --port "$port" --echo "$@" >"serv$port.log" 2>&1 & PIDS="$PIDS $!"; sleep 1; }

# ---- tern client -> gnutls-serv -------------------------------------------------
P=$BASE
serv $P --udp --priority "$PRIO" --pskpasswd psk.txt
timeout 15 "$PROBE" client --port $P --psk-id ep-interop --psk-key 000102030405060708090a0b0c0d0e0f \
  --send "hello from tern" --expect "hello from tern" >c$P.log 2>&1 && ok "dtls-psk tern->gnutls-serv" || bad "dtls-psk tern->gnutls-serv"

P=$((BASE+1))
serv $P --udp --priority "$PRIO" --rawpkkeyfile rsrv.key --rawpkfile rsrv.pub
timeout 15 "$PROBE" client --port $P --rpk-pub rcli.pub --key rcli.key --peer-pub rsrv.pub \
  --send "rpk hello" --expect "rpk hello" >c$P.log 2>&1 && ok "dtls-rpk tern->gnutls-serv" || bad "dtls-rpk tern->gnutls-serv"

P=$((BASE+2))
serv $P --udp --priority "$PRIO" --rawpkkeyfile rcli.key --rawpkfile rcli.pub
timeout 15 "$PROBE" client --port $P --rpk-pub rcli.pub --key rcli.key --peer-pub rsrv.pub \
  --send "x" --expect "x" >c$P.log 2>&1 && bad "dtls-rpk unexpected server key accepted" || {
  grep -q "alert 42" c$P.log && ok "dtls-rpk unexpected server key refused (bad_certificate)" || bad "dtls-rpk refusal alert"; }

P=$((BASE+3))
serv $P --udp --priority "$PRIO" --x509certfile srv.pem --x509keyfile srv.key
timeout 15 "$PROBE" client --port $P --cert cli.pem --key cli.key --server-cert ca.pem --usage 2 --name lwm2m.example \
  --send "x509 hello" --expect "x509 hello" >c$P.log 2>&1 && ok "dtls-x509 usage 2 tern->gnutls-serv" || bad "dtls-x509 usage 2 tern->gnutls-serv"

P=$((BASE+4))
serv $P --udp --priority "$PRIO" --x509certfile srv.pem --x509keyfile srv.key
timeout 15 "$PROBE" client --port $P --cert cli.pem --key cli.key --server-cert ca.pem --usage 2 --name other.example \
  --send "x" --expect "x" >c$P.log 2>&1 && bad "dtls-x509 wrong name accepted" || {
  grep -q "alert 42" c$P.log && ok "dtls-x509 wrong server name refused" || bad "dtls-x509 wrong name alert"; }

P=$((BASE+5))
serv $P --priority "NORMAL:+PSK:+AES-128-CCM-8" --pskpasswd psk.txt
timeout 15 "$PROBE" client --tcp --port $P --psk-id ep-interop --psk-key 000102030405060708090a0b0c0d0e0f \
  --send "tls hello" --expect "tls hello" >c$P.log 2>&1 && ok "tls-psk tern->gnutls-serv" || bad "tls-psk tern->gnutls-serv"

# ---- gnutls-cli -> tern server ---------------------------------------------------
# gnutls-cli sends a line from stdin; the tern server expects it and replies.
cli() { port=$1; shift; (echo "hello from gnutls"; sleep 3) | timeout 10 gnutls-cli --port "$port" "$@" 127.0.0.1 >"cli$port.log" 2>&1; }

P=$((BASE+6))
timeout 15 "$PROBE" server --port $P --psk-id ep-interop --psk-key 000102030405060708090a0b0c0d0e0f \
  --expect "hello from gnutls" --send "hello from tern" >s$P.log 2>&1 & SP=$!; PIDS="$PIDS $SP"; sleep 0.5
cli $P --udp --priority "NORMAL:+VERS-DTLS1.2:+PSK:+AES-128-CCM-8" --pskusername ep-interop --pskkey 000102030405060708090a0b0c0d0e0f
wait $SP && grep -q "hello from tern" cli$P.log && ok "dtls-psk gnutls-cli->tern" || bad "dtls-psk gnutls-cli->tern"

P=$((BASE+7))
timeout 15 "$PROBE" server --port $P --rpk-pub rsrv.pub --key rsrv.key --peer-pub rcli.pub \
  --expect "hello from gnutls" --send "hello from tern" >s$P.log 2>&1 & SP=$!; PIDS="$PIDS $SP"; sleep 0.5
cli $P --udp --priority "$PRIO:-CTYPE-ALL:+CTYPE-CLI-RAWPK:+CTYPE-SRV-RAWPK" --rawpkkeyfile rcli.key --rawpkfile rcli.pub --no-ca-verification
wait $SP && grep -q "hello from tern" cli$P.log && ok "dtls-rpk gnutls-cli->tern" || bad "dtls-rpk gnutls-cli->tern"

P=$((BASE+8))
timeout 15 "$PROBE" server --port $P --cert srv.pem --key srv.key --ca ca.pem \
  --expect "hello from gnutls" --send "hello from tern" >s$P.log 2>&1 & SP=$!; PIDS="$PIDS $SP"; sleep 0.5
cli $P --udp --priority "$PRIO" --x509cafile ca.pem --x509certfile cli.pem --x509keyfile cli.key --sni-hostname lwm2m.example --verify-hostname lwm2m.example
wait $SP && grep -q "hello from tern" cli$P.log && grep -q "cn urn:dev:interop" s$P.log && ok "dtls-x509 gnutls-cli->tern (client CN seen)" || bad "dtls-x509 gnutls-cli->tern"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
