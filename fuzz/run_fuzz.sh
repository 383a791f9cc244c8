#!/bin/sh
# run_fuzz.sh BINARY CORPUS_DIR SECONDS — a bounded libFuzzer run over a
# scratch copy of the seed corpus (the tree's corpus is never modified).
set -eu
bin=$1 corpus=$2 secs=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
[ -d "$corpus" ] && cp -r "$corpus"/. "$work/corpus/" 2>/dev/null || true
cd "$work"
exec "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 corpus
