#!/usr/bin/env bash
# Cortex-M4 footprint (arm-none-eabi-gcc -Os -mthumb -mcpu=cortex-m4, no logs):
#  1. the core library tern_core in the minimal and full feature sets
#     (sum of every object file: an upper bound, nothing is garbage-collected);
#  2. two linked firmware images (bench/footprint/fw_min.c, fw_full.c) with
#     stub platform callbacks, -Wl,--gc-sections and newlib-nano, so only what
#     is reachable counts: text/data/bss of the image, split into tern,
#     the application and libc/libgcc;
#  3. the static RAM of one client context (struct sizes on the target and
#     the configured buffers of bench/footprint/fw_config.h).
# Usage: scripts/footprint.sh [-v]   (-v: per object file of the library)
# Skips with a message when the toolchain is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
verbose=0; [ "${1:-}" = "-v" ] && verbose=1
if ! command -v arm-none-eabi-gcc >/dev/null; then
  echo "footprint: arm-none-eabi-gcc not installed, skipped"; exit 0
fi
CPU=(-mthumb -mcpu=cortex-m4 -mfloat-abi=soft -Os -ffunction-sections -fdata-sections -std=c17)
INC=(-Iinclude -Isrc -Ibench/footprint)
fp=bench/footprint

# Sums flash (text+rodata+data) and RAM (data+bss) of a link map per origin.
map_split() {
  awk '
    /^Linker script and memory map/ {on=1; next}
    !on {next}
    function hex(s,   i, n, c) { n = 0; s = tolower(substr(s, 3))
      for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; n = n * 16 + c }
      return n }
    function add(sec, size, file,   who) {
      size = hex(size); if (size == 0) return
      who = (file ~ /libtern_core\.a/) ? "tern" : (file ~ /fw_(min|full)\.o/) ? "app" : "libc+gcc+crt"
      if (sec ~ /^\.(text|rodata|ARM)/) flash[who] += size
      else if (sec ~ /^\.data/) { flash[who] += size; ram[who] += size }
      else if (sec ~ /^(\.bss|COMMON)/) ram[who] += size
    }
    /^ [.A-Z][^ ]*[ ]+0x[0-9a-f]+[ ]+0x[0-9a-f]+[ ]+/ { add($1, $3, $4); pend=""; next }
    /^ [.A-Z][^ ]*$/ { pend=$1; next }
    pend != "" && /^[ ]+0x[0-9a-f]+[ ]+0x[0-9a-f]+[ ]+/ { add(pend, $2, $3); pend=""; next }
    { pend="" }
    END { for (w in flash) printf "    %-9s flash %6d  static RAM %6d\n", w, flash[w], ram[w] }' "$1" | sort
}

# The RAM figures below repeat tern_coap_ep_mem_size()'s formula over the
# target's struct sizes (fp_sizes.c); check that formula on the host first.
if command -v cc >/dev/null; then
  mkdir -p build
  cc -std=c17 -O0 -DFP_HOST_CHECK "${INC[@]}" $fp/fp_sizes.c src/coap/*.c src/base/*.c -o build/fp_sizes_host
  build/fp_sizes_host
fi

# Flash bytes per input file (object or archive member) of a link map.
map_files() {
  awk '
    function hex(s,   i, n, c) { n = 0; s = tolower(substr(s, 3))
      for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; n = n * 16 + c }
      return n }
    function add(sec, size, file) { sub(/.*\(/, "", file); sub(/\)$/, "", file); sub(/.*\//, "", file)
      if (sec ~ /^\.(text|rodata|data|ARM)/) t[file] += hex(size) }
    /^Linker script and memory map/ {on=1; next}
    !on {next}
    /^ [.A-Z][^ ]*[ ]+0x[0-9a-f]+[ ]+0x[0-9a-f]+[ ]+/ { add($1, $3, $4); pend=""; next }
    /^ [.A-Z][^ ]*$/ { pend=$1; next }
    pend != "" && /^[ ]+0x[0-9a-f]+[ ]+0x[0-9a-f]+[ ]+/ { add(pend, $2, $3); pend=""; next }
    { pend="" }
    END { for (f in t) if (t[f] > 0) printf "%d %s\n", t[f], f }' "$1"
}

for fs in minimal full; do
  b=build/cortex-m4-$fs
  cmake -S . -B "$b" -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/cortex-m4.cmake \
    -DCMAKE_BUILD_TYPE=MinSizeRel -DTERN_FEATURES=$fs -DTERN_BUILD_TESTS=OFF -DTERN_BUILD_APPS=OFF -DTERN_WITH_LOG=OFF >/dev/null
  if ! out=$(cmake --build "$b" --target tern_core 2>&1); then echo "$out" | tail -40; exit 1; fi
  echo "== Cortex-M4 footprint, feature set: $fs"
  if [ $verbose = 1 ]; then
    arm-none-eabi-size -t "$b/libtern_core.a" | awk 'NR==1 || /TOTALS/ {print} NR>1 && !/TOTALS/ {sub(/.*\//,"",$6); printf "%7s %5s %5s  %s\n",$1,$2,$3,$6}'
  else
    arm-none-eabi-size -t "$b/libtern_core.a" | awk '/TOTALS/ {printf "  library tern_core (all objects, no gc): text %d data %d bss %d\n",$1,$2,$3}'
  fi

  # struct sizes on the target
  feat=$(grep -o -- '-DTERN_WITH_[A-Z_]*=[01]' "$b/build.ninja" | sort -u | tr '\n' ' ')
  arm-none-eabi-gcc "${CPU[@]}" $feat "${INC[@]}" -c $fp/fp_sizes.c -o "$b/fp_sizes.o"
  arm-none-eabi-objcopy -O binary --only-section=.rodata.fp_sizes "$b/fp_sizes.o" "$b/fp_sizes.bin"
  read -r -a S <<<"$(od -An -tu4 -v "$b/fp_sizes.bin" | tr -s ' \n' ' ')"
  # S: 0 client 1 dm 2 sec 3 srv 4 min-coap 5 min-work 6 min-dmwork 7 full-coap 8 full-work 9 full-dmwork 10 obs 11 obs_rec 12 obs_target 13 objects

  if [ $fs = minimal ]; then
    img=fw_min; coap=${S[4]}; work=${S[5]}; dmw=${S[6]}; nsec=1; memdef=-DFP_MIN_COAP_MEM=$coap
  else
    img=fw_full; coap=${S[7]}; work=${S[8]}; dmw=${S[9]}; nsec=2; memdef=-DFP_FULL_COAP_MEM=$coap
  fi
  arm-none-eabi-gcc "${CPU[@]}" $feat $memdef "${INC[@]}" -Wall -Wextra -Werror -c $fp/$img.c -o "$b/$img.o"
  # No -u _printf_float: floats are converted by src/base/fmt.c, so the
  # image needs neither printf's float support nor strtod.
  arm-none-eabi-gcc "${CPU[@]}" "$b/$img.o" "$b/libtern_core.a" -Wl,--gc-sections -specs=nano.specs \
    -specs=nosys.specs -lm -Wl,-Map="$b/$img.map" -o "$b/$img.elf"
  echo "  firmware image $img.elf (--gc-sections, newlib-nano; bytes):"
  arm-none-eabi-size "$b/$img.elf" | awk 'NR==2 {printf "    text %d  data %d  bss %d  → flash %d, static RAM %d\n",$1,$2,$3,$1+$2,$2+$3}'
  map_split "$b/$img.map"
  if [ $verbose = 1 ]; then
    echo "  largest input files of the image (flash bytes):"
    map_files "$b/$img.map" | sort -rn | head -25 | awk '{printf "    %6d %s\n",$1,$2}'
  fi
  ctx=$(( S[0] + S[1] + nsec * S[2] + S[3] + coap + work + dmw ))
  echo "  static RAM of one client context: $ctx bytes ="
  echo "    sizeof(tern_client) ${S[0]} + sizeof(tern_dm) ${S[1]} + $nsec × tern_client_sec ${S[2]} + 1 × tern_client_server ${S[3]}"
  echo "    + CoAP endpoint memory $coap + client work $work + dm work $dmw"
  if [ $fs = full ]; then
    echo "    (not counted: tern_obs ${S[10]} + per observation ${S[11]} + per target ${S[12]}; objects 3/4/5/6 ${S[13]};"
    echo "     the app's receive buffer)"
  fi
done
