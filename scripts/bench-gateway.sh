#!/usr/bin/env bash
# Runs the gateway beside the peers of ../shared/bench/peers.sh (nginx, haproxy, the nginx+Lua filter) in one run,
# with the same payload and an equal allowlist (bench/partners/logistics-co.yaml), the durable SQLite ledger on.
#
#   scripts/bench-gateway.sh                                  # peers.sh defaults: CONNS=32 DURATION=10s REPS=3
#   DURATION=5s REPS=1 scripts/bench-gateway.sh               # quicker
#   SMOKE=1 scripts/bench-gateway.sh                          # CI: 2 s, one rep, debug build; checks, no figures
#   MINGATE_BIN=/path/to/mingate scripts/bench-gateway.sh     # measure another build (an earlier commit's)
#   RATE=7000 scripts/bench-gateway.sh                        # every target paced to ~7,000 req/s (latency at load)
#   TARGET=floor scripts/bench-gateway.sh                     # the stack's floor in the gateway's row (below)
#   TARGET=nio-floor scripts/bench-gateway.sh                 # the same job on bare NIO handlers
#
# TARGET=floor puts `mingate-floor` in the gateway's row instead: Hummingbird in, AsyncHTTPClient out, the body
# forwarded whole, with none of the gateway's work (no identity, policy, minimising, ledger). What it costs per
# request is a lower bound for any gateway built on this stack. The partner must then see the whole payload
# (2,116 B), and there is no ledger to check. TARGET=nio-floor does the same job as NIO channel handlers, without
# Hummingbird, AsyncHTTPClient or Swift concurrency: what leaving both would buy.
#
# RATE paces the load instead of saturating: each connection waits DELAY_MS (default 10) after each answer before
# its next request (wrk's `delay()`; wrk has no fixed-rate mode and wrk2 is not in Debian), with CONNS = RATE ×
# DELAY_MS / 1000 connections. A target answering within a few ms then gets close to RATE; one that cannot keep up
# gets less, and the req/s column shows it. This is a closed loop: a target that stalls also slows its own load
# (coordinated omission), so a p99 here is a floor, not the open-loop figure.
#
# The gateway gets what a real caller sends: a bearer token and the data subject (X-Mingate-Subject). peers.sh's
# wrk script sends neither, so this runs a temporary copy of ../shared/bench whose post.lua adds both to every
# request, for every target alike (the peers ignore them). Nothing in ../shared changes.
#
# It fails loudly, whatever the figures, when the gateway answered anything but 2xx, when wrk saw errors, or when
# the partner saw a different body size from the gateway than from the filter: a benchmark of refusals or of a
# different job measures nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SHARED_BENCH="${SHARED_BENCH:-$ROOT/../shared/bench}"
GATEWAY_PORT="${GATEWAY_PORT:-18090}"
SMOKE="${SMOKE:-0}"
[ -x "$SHARED_BENCH/peers.sh" ] || [ -f "$SHARED_BENCH/peers.sh" ] || { echo "bench: $SHARED_BENCH/peers.sh not found" >&2; exit 1; }

# The peers' packages. peers.sh can install them too, but its check `apt-cache policy P | grep -q …` runs under
# pipefail, where grep's early exit can kill apt-cache with SIGPIPE and fail the check; installing first avoids it.
need=()
for p in nginx haproxy wrk curl sqlite3 libnginx-mod-http-lua libnginx-mod-http-ndk lua-cjson; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "[bench] installing ${need[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ "$SMOKE" = 1 ]; then
  export DURATION="${DURATION:-2s}" REPS="${REPS:-1}" WARMUP="${WARMUP:-1s}"
  CONFIGURATION="${CONFIGURATION:-debug}"
else
  CONFIGURATION="${CONFIGURATION:-release}"
fi
. scripts/lib/bench-target.sh
TARGET="${TARGET:-gateway}"
target_product
if [ -n "${MINGATE_BIN:-}" ] && [ "$TARGET" = gateway ]; then
  BIN="$MINGATE_BIN"   # another build to compare, e.g. an earlier commit's
else
  echo "[bench] building $PRODUCT ($CONFIGURATION)…" >&2
  swift build -c "$CONFIGURATION" --product "$PRODUCT" >&2
  BIN="$ROOT/.build/$CONFIGURATION/$PRODUCT"
fi

WORK=$(mktemp -d /tmp/mingate-bench.XXXXXX)
cleanup() { [ -n "${TARGET_PID:-}" ] && kill "$TARGET_PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
cp -r "$SHARED_BENCH" "$WORK/bench"
chmod -R u+w "$WORK/bench"
caller_headers "$WORK/bench/post.lua"
if [ -n "${RATE:-}" ]; then
  DELAY_MS="${DELAY_MS:-10}"
  export CONNS=$(( RATE * DELAY_MS / 1000 ))
  [ "$CONNS" -ge 1 ] || { echo "bench: RATE × DELAY_MS gives no connection" >&2; exit 1; }
  printf '\nfunction delay()\n  return %d\nend\n' "$DELAY_MS" >> "$WORK/bench/post.lua"
  echo "[bench] paced: $CONNS connections, each waiting ${DELAY_MS} ms after every answer (at most ~$RATE req/s per target)" >&2
fi

PIN_PREFIX=()
[ "${PIN:-0}" = 1 ] && PIN_PREFIX=(taskset -c 1)
start_target "$BIN" "$GATEWAY_PORT" "$WORK/ledger.sqlite" warning "${PIN_PREFIX[@]}"

export RESULTS_DIR="$WORK/results"
GATEWAY_URL="http://127.0.0.1:$GATEWAY_PORT/p/logistics-co/delivery/v1/shipments" GATEWAY_PID=$TARGET_PID \
  bash "$WORK/bench/peers.sh"

RSS=$(awk '/VmHWM/{print $2}' /proc/$TARGET_PID/status)
RESULT=$(ls -t "$RESULTS_DIR"/peers-*.txt | head -n1)
row() { awk -v t="$1" '$1 == t' "$RESULT"; }
GW=$(row gateway); FLT=$(row filter)
[ -n "$GW" ] || { echo "bench: FAILED: no gateway row in $RESULT" >&2; exit 1; }
# What the partner must have seen: the filter's body from the gateway (the same job), the whole payload from a floor.
# Only the gateway has a ledger to read.
case "$TARGET" in
  gateway)
    WHAT=gateway; WANT_BODY=$(awk '{print $7}' <<<"$FLT"); WANT_FROM="from the filter"
    ENTRIES=$(sqlite3 "$WORK/ledger.sqlite" "select count(*) from ledger_entries where kind='disclosure' and decision='forward'" 2>/dev/null || echo '?')
    REFUSED=$(sqlite3 "$WORK/ledger.sqlite" "select count(*) from ledger_entries where kind='disclosure' and decision='refuse'" 2>/dev/null || echo '?')
    # Bytes on disk per forwarded request, all in (records, shapes, indexes, leaf hashes, checkpoints), once the WAL
    # is folded back into the file: what the ledger costs real traffic.
    kill "$TARGET_PID" 2>/dev/null; wait "$TARGET_PID" 2>/dev/null || true; TARGET_PID=
    sqlite3 "$WORK/ledger.sqlite" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null 2>&1 || true
    LEDGER_BYTES=$(( $(stat -c %s "$WORK/ledger.sqlite") + $(stat -c %s "$WORK/ledger.sqlite-wal" 2>/dev/null || echo 0) ))
    PER_REQUEST=$(awk -v b="$LEDGER_BYTES" -v n="$ENTRIES" 'BEGIN { if (n > 0) printf "%.0f", b / n; else print "?" }')
    echo "[bench] gateway peak RSS ${RSS} kB; ledger: ${ENTRIES} forwards, ${REFUSED} refusals recorded, ${PER_REQUEST} bytes on disk per forwarded request" >&2
    ;;
  *)
    WHAT="$TARGET ($([ "$TARGET" = floor ] && echo "Hummingbird + AsyncHTTPClient" || echo "bare NIO handlers"), no work)"
    WANT_BODY=$(stat -c %s "$WORK/bench/payload.json"); WANT_FROM="(the whole payload)"; REFUSED=0
    echo "[bench] $TARGET peak RSS ${RSS} kB" >&2
    ;;
esac

# The checks that make the figures mean something.
fail=0
case "$GW" in *FAILED*|*non2xx*|*wrk-failed*) echo "bench: FAILED: the $TARGET did not answer 2xx to bench traffic: $GW" >&2; fail=1;; esac
GW_BODY=$(awk '{print $7}' <<<"$GW"); GW_ERR=$(awk '{print $10}' <<<"$GW")
[ "$GW_BODY" = "$WANT_BODY" ] || { echo "bench: FAILED: the partner saw $GW_BODY B from the $TARGET, $WANT_BODY B $WANT_FROM" >&2; fail=1; }
[ "$GW_ERR" = 0 ] || { echo "bench: FAILED: wrk saw $GW_ERR errors against the $TARGET" >&2; fail=1; }
[ "$REFUSED" = 0 ] || { echo "bench: FAILED: the gateway refused $REFUSED bench requests" >&2; fail=1; }
[ "$fail" = 0 ] || exit 1
awk -v g="$(awk '{print $2}' <<<"$GW")" -v f="$(awk '{print $2}' <<<"$FLT")" -v n="$(awk '{print $2}' <<<"$(row nginx)")" -v what="$WHAT" \
  'BEGIN { printf "[bench] OK: %s %.0f req/s = %.2fx the nginx+Lua filter, %.2fx plain nginx\n", what, g, g/f, g/n }' >&2
