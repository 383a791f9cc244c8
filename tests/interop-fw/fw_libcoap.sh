#!/bin/bash
# fw_libcoap.sh FAMILY FW_PULL — PUT a 300 KB image into coap-server-notls
# (-d: dynamic resources) with coap-client-notls (Block1, 1024), then let
# tern's Firmware Update object pull it with the CoAP downloader (Block2
# chunks) and compare the bytes. Everything runs under `timeout`; the EXIT
# trap kills the server; the port is picked at run time.
set -u
FAM=$1
FW_PULL=$2
TERN_COAP=unused
. "$(dirname "$0")/../interop/lib.sh"
need coap-server-notls coap-client-notls cmp
set_family "$FAM"
start_libcoap_server

head -c 307200 /dev/urandom >"$W/image"
timeout -k 5 60 coap-client-notls -m put -b 1024 -f "$W/image" "coap://$HOST:$PORT/fw.bin" \
    >"$W/put.out" 2>"$W/put.err" || { fail "PUT of the image"; finish; }

for bs in 1024 256; do
    rm -f "$W/got"
    if timeout -k 5 90 "$FW_PULL" "coap://$HOST:$PORT/fw.bin" "$W/got" "$bs" >"$W/pull-$bs.out" 2>"$W/pull-$bs.err"; then
        if cmp -s "$W/image" "$W/got"; then
            ok "v$FAM block $bs: Downloaded, 307200 bytes identical ($(cat "$W/pull-$bs.out"))"
        else
            fail "v$FAM block $bs: bytes differ ($(cat "$W/pull-$bs.out"))"
        fi
    else
        fail "v$FAM block $bs: not Downloaded ($(cat "$W/pull-$bs.out"))"
    fi
done

# a path the server does not have: 4.04 → Idle, Update Result 7 (Invalid URI)
timeout -k 5 60 "$FW_PULL" "coap://$HOST:$PORT/missing.bin" "$W/none" >"$W/missing.out" 2>&1
if grep -q '^state 0 result 7 ' "$W/missing.out"; then
    ok "v$FAM 4.04 → Update Result 7"
else
    fail "v$FAM 4.04: $(cat "$W/missing.out")"
fi
finish
