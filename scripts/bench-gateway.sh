#!/usr/bin/env bash
# Runs the gateway beside the peers of ../shared/bench/peers.sh (nginx, haproxy, the nginx+Lua filter) in one run,
# with the same payload and an equal allowlist (bench/partners/logistics-co.yaml), the durable SQLite ledger on.
#
#   scripts/bench-gateway.sh                      # defaults of peers.sh: CONNS=32 DURATION=10s REPS=3
#   DURATION=5s REPS=1 scripts/bench-gateway.sh   # quicker
#
# peers.sh's wrk script sends no credentials, and the gateway refuses unauthenticated callers, so this runs a
# temporary copy of ../shared/bench whose post.lua adds `Authorization: Bearer …` to every request, for every
# target alike (the peers ignore it). Nothing in ../shared changes.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SHARED_BENCH="${SHARED_BENCH:-$ROOT/../shared/bench}"
GATEWAY_PORT="${GATEWAY_PORT:-18090}"
[ -x "$SHARED_BENCH/peers.sh" ] || { echo "bench: $SHARED_BENCH/peers.sh not found" >&2; exit 1; }

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

echo "[bench] building release…" >&2
swift build -c release --product mingate >&2
BIN="$ROOT/.build/release/mingate"

WORK=$(mktemp -d /tmp/mingate-bench.XXXXXX)
cleanup() { [ -n "${GW_PID:-}" ] && kill "$GW_PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
cp -r "$SHARED_BENCH" "$WORK/bench"
chmod -R u+w "$WORK/bench"
sed -i 's|^wrk.headers\["Content-Type"\] = "application/json"|&\nwrk.headers["Authorization"] = "Bearer bench-token-not-secret"|' "$WORK/bench/post.lua"
grep -q Authorization "$WORK/bench/post.lua" || { echo "bench: could not patch post.lua" >&2; exit 1; }

PIN_PREFIX=()
[ "${PIN:-0}" = 1 ] && PIN_PREFIX=(taskset -c 1)
MINGATE_PSEUDONYM_KEY=bench-pseudonym-key MINGATE_LEDGER_KEY=bench-ledger-key \
  "${PIN_PREFIX[@]}" "$BIN" serve --partners bench/partners --policies bench/policies \
  --ledger "sqlite:$WORK/ledger.sqlite" --port "$GATEWAY_PORT" --log-level warning &
GW_PID=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$GATEWAY_PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$GATEWAY_PORT/healthz" >/dev/null || { echo "bench: gateway did not start" >&2; exit 1; }

GATEWAY_URL="http://127.0.0.1:$GATEWAY_PORT/p/logistics-co/delivery/v1/shipments" GATEWAY_PID=$GW_PID \
  bash "$WORK/bench/peers.sh"

echo "[bench] gateway RSS after the run: $(awk '/VmHWM/{print $2" "$3" peak"}' /proc/$GW_PID/status), ledger entries: $(sqlite3 "$WORK/ledger.sqlite" 'select count(*) from ledger_entries' 2>/dev/null || echo '?')" >&2
