#!/usr/bin/env bash
# Runs the sandbox gateway under a mixed load (forwarded, malformed, unauthenticated, a partner that stops
# answering), scrapes it with a real Prometheus every second, and renders the Grafana dashboard's own queries
# over that run into docs/dashboard.png (scripts/dashboard-snapshot.py).
#
#   scripts/dashboard-demo.sh            # ~2 minutes; needs prometheus, wrk, python3-matplotlib (or pip)
#   DURATION=20 OUT=/tmp/d.png scripts/dashboard-demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-40}
OUT=${OUT:-docs/dashboard.png}
BIN=${MINGATE_BIN:-.build/debug/mingate}
for tool in prometheus wrk python3; do command -v "$tool" >/dev/null || { echo "dashboard-demo: needs $tool" >&2; exit 1; }; done
python3 -c 'import matplotlib' 2>/dev/null || { echo "dashboard-demo: needs matplotlib (apt-get install python3-matplotlib)" >&2; exit 1; }
[ -n "${MINGATE_BIN:-}" ] || swift build -q --product mingate

WORK=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
GW=$(free_port); METRICS=$(free_port); PROM=$(free_port); DEAD=$(free_port)

# biteship points at a port nobody listens on: its calls fail, as a partner outage does.
cat > "$WORK/deploy.yaml" <<YAML
base_urls:
  biteship: http://127.0.0.1:$DEAD
YAML
"$BIN" serve --sandbox --config "$WORK/deploy.yaml" --port "$GW" --metrics-address "127.0.0.1:$METRICS" \
  --ledger "sqlite:$WORK/ledger.sqlite" --log-level warning > "$WORK/gateway.log" 2>&1 &
pids+=($!)
cat > "$WORK/prometheus.yml" <<YAML
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: mingate
    static_configs: [{ targets: ["127.0.0.1:$METRICS"] }]
YAML
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address="127.0.0.1:$PROM" > "$WORK/prometheus.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$GW/readyz" >/dev/null && curl -fs "http://127.0.0.1:$PROM/-/ready" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$GW/readyz" >/dev/null || { cat "$WORK/gateway.log" >&2; exit 1; }

cat > "$WORK/mixed.lua" <<'LUA'
-- 90% valid charges from the sandbox's demo caller, the rest malformed or anonymous.
local order = '{"payment_type":"bank_transfer","transaction_details":{"order_id":"ORD-1","gross_amount":1299.50},' ..
  '"bank_transfer":{"bank":"bca"},"customer_details":{"first_name":"Siti","email":"siti@example.co.id","phone":"+6281234567890"},' ..
  '"item_details":[{"id":"SKU-1","price":1299.50,"quantity":1,"name":"Sepatu"}]}'
local n = 0
request = function()
  n = n + 1
  local headers = { ["Content-Type"] = "application/json", ["X-Mingate-Subject"] = "customer-" .. (n % 50) }
  if n % 20 ~= 0 then headers["Authorization"] = "Bearer sandbox-demo-token" end
  local body = order
  if n % 17 == 0 then body = '{"payment_type":' end
  return wrk.format("POST", "/p/midtrans/payment/v2/charge", headers, body)
end
LUA
cat > "$WORK/delivery.lua" <<'LUA'
request = function()
  return wrk.format("POST", "/p/biteship/delivery/v1/orders", {
    ["Content-Type"] = "application/json", ["Authorization"] = "Bearer sandbox-demo-token", ["X-Mingate-Subject"] = "customer-7" },
    '{"origin_contact_name":"Toko","destination_contact_name":"Siti","destination_contact_phone":"+6281234567890","destination_address":"Jl. Melati 1","items":[{"name":"Sepatu","value":1299,"quantity":1}]}')
end
LUA
START=$(date +%s)
echo "dashboard-demo: phase 1 ($DURATION s): steady mixed traffic"
wrk -t1 -c4 -d"${DURATION}s" -s "$WORK/mixed.lua" "http://127.0.0.1:$GW" > /dev/null
echo "dashboard-demo: phase 2 ($DURATION s): more traffic, and biteship down"
wrk -t1 -c2 -d"${DURATION}s" -s "$WORK/delivery.lua" "http://127.0.0.1:$GW" > /dev/null &
delivery=$!
wrk -t1 -c12 -d"${DURATION}s" -s "$WORK/mixed.lua" "http://127.0.0.1:$GW" > /dev/null
wait "$delivery" || true
sleep 5
END=$(date +%s)
python3 scripts/dashboard-snapshot.py --prometheus "http://127.0.0.1:$PROM" --start "$START" --end "$END" --out "$OUT"
