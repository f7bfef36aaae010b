# Sourced by scripts/bench-gateway.sh and scripts/profile-gateway.sh: what they measure (TARGET), how it starts, and
# what the wrk script sends to it.

# Sets PRODUCT and FLOOR_ARGS from TARGET: gateway (mingate), floor (mingate-floor), nio-floor (mingate-floor --nio).
target_product() {
  case "${TARGET:-gateway}" in
    gateway) PRODUCT=mingate; FLOOR_ARGS=() ;;
    floor) PRODUCT=mingate-floor; FLOOR_ARGS=() ;;
    nio-floor) PRODUCT=mingate-floor; FLOOR_ARGS=(--nio) ;;
    *) echo "TARGET is gateway, floor or nio-floor, not '$TARGET'" >&2; exit 1 ;;
  esac
}

# start_target BIN PORT LEDGER_FILE LOG_LEVEL [PREFIX…]: starts the target in the background, forwarding to the
# peers' stand-in partner on :18080 (the gateway through bench/partners, with a durable SQLite ledger), sets
# TARGET_PID, and waits until it answers HTTP (any answer: the floors have no /healthz).
start_target() {
  local bin=$1 port=$2 ledger=$3 level=$4
  shift 4
  if [ "$PRODUCT" = mingate-floor ]; then
    "$@" "$bin" --port "$port" --upstream http://127.0.0.1:18080 "${FLOOR_ARGS[@]}" &
  else
    MINGATE_PSEUDONYM_KEY=bench-pseudonym-key-0123456789abcdef MINGATE_LEDGER_KEY=bench-ledger-key-0123456789abcdef \
      "$@" "$bin" serve --partners bench/partners --policies bench/policies --ledger "sqlite:$ledger" \
      --port "$port" --log-level "$level" &
  fi
  TARGET_PID=$!
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$PRODUCT did not start on :$port" >&2
  exit 1
}

# caller_headers POST_LUA: adds what a real caller sends (a bearer token, the data subject) to a copy of the
# peers' wrk script; the peers ignore both.
caller_headers() {
  sed -i 's|^wrk.headers\["Content-Type"\] = "application/json"|&\nwrk.headers["Authorization"] = "Bearer bench-token-not-secret"\nwrk.headers["X-Mingate-Subject"] = "customer-8812"|' "$1"
  grep -q 'X-Mingate-Subject' "$1" || { echo "could not patch $1" >&2; exit 1; }
}
