#!/usr/bin/env bash
# Profiles the gateway under the benchmark's load and draws a flame graph:
#
#   scripts/profile-gateway.sh [OUT.svg]          # default docs/flame-after.svg
#   BIN=/path/to/mingate SECS=10 scripts/profile-gateway.sh /tmp/flame.svg
#   PERF=0 BIN=/path/to/mingate scripts/profile-gateway.sh  # req/s and CPU µs per request only, no sampling
#                                                            # (alternate two builds this way to compare them)
#   TARGET=floor scripts/profile-gateway.sh /tmp/floor.svg # mingate-floor instead (scripts/bench-gateway.sh says what)
#   TARGET=nio-floor scripts/profile-gateway.sh /tmp/nio.svg # mingate-floor --nio
#
# Starts the peers' stand-in partner (nginx `return 200`, ../shared/bench/conf) on :18080, the gateway (release
# build, durable SQLite ledger, bench/partners) on :18090, warms up, then runs wrk -t1 -c32 with the benchmark's
# payload, a caller token and a subject while `perf record -g` samples the gateway. Prints req/s and the
# gateway's CPU µs per request, and writes the SVG (scripts/flamegraph.py). Needs linux-perf, nginx, wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT="${1:-docs/flame-after.svg}"
SECS="${SECS:-8}"
SHARED_BENCH="${SHARED_BENCH:-$ROOT/../shared/bench}"
. scripts/lib/bench-target.sh
target_product
BIN="${BIN:-$ROOT/.build/release/$PRODUCT}"
[ -x "$BIN" ] || swift build -c release --product "$PRODUCT"
PERF="${PERF:-1}"
TOOLS="nginx wrk"; [ "$PERF" = 1 ] && TOOLS="$TOOLS perf"
for p in $TOOLS; do command -v "$p" >/dev/null || { echo "profile: needs $p (apt-get install nginx wrk linux-perf)" >&2; exit 1; }; done

WORK=$(mktemp -d /tmp/mingate-profile.XXXXXX)
cleanup() {
  [ -n "${TARGET_PID:-}" ] && kill "$TARGET_PID" 2>/dev/null
  [ -f "$WORK/up/nginx.pid" ] && kill "$(cat "$WORK/up/nginx.pid")" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$WORK/up/tmp"
sed -e "s|@DIR@|$WORK/up|g; s|@WORKERS@|1|g; s|@PORT_UP@|18080|g; s|@PORT_CAP@|18084|g" \
  "$SHARED_BENCH/conf/upstream.nginx.conf.in" > "$WORK/up/nginx.conf"
nginx -p "$WORK/up/" -e "$WORK/up/error.log" -c "$WORK/up/nginx.conf" -g 'daemon on;'
cp "$SHARED_BENCH/post.lua" "$SHARED_BENCH/payload.json" "$WORK/"
caller_headers "$WORK/post.lua"

start_target "$BIN" 18090 "$WORK/ledger.sqlite" error
URL=http://127.0.0.1:18090/p/logistics-co/delivery/v1/shipments
(cd "$WORK" && PAYLOAD="$WORK/payload.json" wrk -t1 -c32 -d2s -s post.lua "$URL" >/dev/null)
T0=$(awk '{print $14+$15}' /proc/$TARGET_PID/stat)
if [ "$PERF" = 1 ]; then
  perf record -F 999 -g -o "$WORK/perf.data" -p "$TARGET_PID" -- sleep "$SECS" >/dev/null 2>&1 &
  PERF_PID=$!
fi
(cd "$WORK" && PAYLOAD="$WORK/payload.json" wrk -t1 -c32 -d"${SECS}s" --latency -s post.lua "$URL" > "$WORK/wrk.txt")
T1=$(awk '{print $14+$15}' /proc/$TARGET_PID/stat)
[ -n "${PERF_PID:-}" ] && { wait "$PERF_PID" || true; }
if grep -q "Non-2xx" "$WORK/wrk.txt"; then echo "profile: the gateway refused bench traffic" >&2; grep Non-2xx "$WORK/wrk.txt" >&2; exit 1; fi
REQ=$(awk '/^WRKSTAT/{for(i=1;i<=NF;i++) if ($i ~ /^requests=/) {split($i,a,"="); print a[2]}}' "$WORK/wrk.txt")
HZ=$(getconf CLK_TCK)
awk -v t=$((T1-T0)) -v r="$REQ" -v s="$SECS" -v hz="$HZ" \
  'END{printf "[profile] %.0f req/s, %.1f µs CPU per request\n", r/s, t*1e6/hz/r}' /dev/null
[ "$PERF" = 1 ] || exit 0
echo "[profile] (perf sampling adds a few per cent to that)" >&2
perf script -i "$WORK/perf.data" 2>/dev/null \
  | python3 scripts/flamegraph.py --title "${TITLE:-$PRODUCT} under wrk -t1 -c32, $(date -u +%Y-%m-%d)" ${FOLDED:+--folded "$FOLDED"} > "$OUT"
echo "[profile] wrote $OUT" >&2
