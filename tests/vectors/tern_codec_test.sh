#!/bin/sh
# CTest "tern_codec": runs the tern-codec tool on a few inputs and checks its
# output and exit codes. Argument: path to the tern-codec binary.
T="$1"
fails=0
check() { # name expected-substring command...
    name="$1"; want="$2"; shift 2
    out=$("$@" 2>&1); rc=$?
    case "$out" in
    *"$want"*) echo "ok   $name" ;;
    *) echo "FAIL $name (rc=$rc): wanted '$want' in: $out"; fails=$((fails + 1)) ;;
    esac
}
check_rc() { # name expected-rc command...
    name="$1"; want="$2"; shift 2
    "$@" >/dev/null 2>&1; rc=$?
    if [ "$rc" -eq "$want" ]; then echo "ok   $name"; else echo "FAIL $name: exit $rc, wanted $want"; fails=$((fails + 1)); fi
}

check help "--no-model" "$T" --help
check_rc help-rc 0 "$T" --help
check formats "senml-json" "$T" formats
check_rc no-command 2 "$T"
check_rc unknown-format 2 "$T" decode --format nosuch --hex 00
check_rc two-inputs 2 "$T" decode --format tlv --hex 00 --text x

# TLV Read of /3/0/9 (Battery Level = 87), typed by the built-in registry
check tlv-decode "/3/0/9         Integer          87" "$T" decode --format tlv --path /3/0/9 --hex c10957
check tlv-decode-no-model "Opaque" "$T" decode --format tlv --path /3/0/9 --no-model --hex c10957
# TLV -> SenML JSON, SenML JSON -> TLV, TLV -> LwM2M CBOR
check tlv-to-senml-json '"v":87' "$T" convert --from tlv --to senml-json --path /3/0/9 --hex c10957
check senml-json-to-tlv "c10957" "$T" convert --from senml-json --to tlv --path /3/0 --text '[{"bn":"/3/0/","n":"9","v":87}]'
check tlv-to-lwm2m-cbor "1857" "$T" convert --from tlv --to lwm2m-cbor --path /3/0/9 --hex c10957
check text-to-cbor "1857" "$T" convert --from text --to cbor --path /3/0/9 --text 87
# streaming: one byte per feed
check lwm2m-cbor-chunked "/3/0/9         Integer          87" "$T" decode --format lwm2m-cbor --path /3/0/9 --chunk 1 --hex a1830300091857
# bad input: exit 1 with the offset and the reason
check truncated "offset 2" "$T" decode --format tlv --path /3/0/9 --hex c109
check_rc truncated-rc 1 "$T" decode --format tlv --path /3/0/9 --hex c109
# --out writes raw bytes
tmp=${TMPDIR:-/tmp}/tern-codec-test.$$
"$T" convert --from senml-json --to tlv --path /3/0 --text '[{"bn":"/3/0/","n":"9","v":87}]' --out "$tmp"
if [ "$(od -An -tx1 "$tmp" | tr -d ' \n')" = "c10957" ]; then echo "ok   out-file"; else echo "FAIL out-file"; fails=$((fails + 1)); fi
rm -f "$tmp"

echo "$fails failed"
[ "$fails" -eq 0 ]
