#!/usr/bin/env bash
# Checks ops/ and the API description, as .ci/run does: alert rules (promtool check + unit tests), the Grafana
# dashboard parses, the systemd unit verifies, the OpenAPI document validates, and schemathesis finds no 5xx and
# no answer that breaks the document on a running sandbox gateway (audit API with the demo auditor's token, admin
# API with an admin token), bounded in examples and time.
#
#   scripts/check-ops.sh          # needs promtool, systemd-analyze, openapi-spec-validator, schemathesis
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${MINGATE_BIN:-.build/debug/mingate}
[ -x "$BIN" ] || swift build -q --product mingate

echo "ops: promtool check rules"
promtool check rules ops/prometheus/alerts.yaml
(cd ops/prometheus && promtool test rules alerts.test.yaml)

echo "ops: dashboard JSON"
python3 - <<'PY'
import json
d = json.load(open("ops/grafana/mingate-dashboard.json"))
assert d["panels"] and all(p["targets"] for p in d["panels"]), "every panel has a query"
print(f'  {len(d["panels"])} panels')
PY

echo "ops: systemd-analyze verify"
UNIT_DIR=$(mktemp -d)
trap 'rm -rf "$UNIT_DIR"' EXIT
# The unit names the installed path; verify it against this build's binary (the rest of the file unchanged).
sed "s#/usr/local/bin/mingate#$(realpath "$BIN")#" ops/systemd/mingate.service > "$UNIT_DIR/mingate.service"
systemd-analyze verify --man=no "$UNIT_DIR/mingate.service"
# Exposure on systemd's 0–10 scale, given ×10 to --threshold: fail above 3.0 (1.5 today).
systemd-analyze security --offline=yes --threshold=30 "$UNIT_DIR/mingate.service" | tail -1

echo "ops: openapi-spec-validator"
openapi-spec-validator Sources/MingateGateway/Resources/openapi.yaml

echo "ops: schemathesis against a sandbox gateway"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MINGATE_ADMIN_TOKEN=ci-admin-token "$BIN" serve --sandbox --port "$PORT" --ledger "sqlite:$UNIT_DIR/ledger.sqlite" \
  --log-level warning > "$UNIT_DIR/gateway.log" 2>&1 &
GW_PID=$!
trap 'kill $GW_PID 2>/dev/null; wait $GW_PID 2>/dev/null; rm -rf "$UNIT_DIR"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null || { cat "$UNIT_DIR/gateway.log" >&2; exit 1; }
# Traffic first, so records, checkpoints and proofs exist.
for i in 1 2 3; do
  curl -fs -o /dev/null -H 'Authorization: Bearer sandbox-demo-token' -H "X-Mingate-Subject: customer-$i" \
    -H 'Content-Type: application/json' \
    -d '{"payment_type":"bank_transfer","transaction_details":{"order_id":"ORD-1","gross_amount":10}}' \
    "http://127.0.0.1:$PORT/p/midtrans/payment/v2/charge"
done
sleep 1.5
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance
timeout 300 schemathesis run "http://127.0.0.1:$PORT/openapi.yaml" --checks "$CHECKS" --max-examples 25 \
  --phases examples,coverage,fuzzing --include-path-regex '^/(audit|healthz|readyz|metrics|openapi)' \
  -H 'Authorization: Bearer sandbox-auditor-token' --no-color | tail -15
timeout 300 schemathesis run "http://127.0.0.1:$PORT/openapi.yaml" --checks "$CHECKS" --max-examples 25 \
  --phases examples,coverage,fuzzing --include-path-regex '^/admin' \
  -H 'Authorization: Bearer ci-admin-token' --no-color | tail -15
kill -0 $GW_PID || { echo "ops: the gateway died under schemathesis" >&2; cat "$UNIT_DIR/gateway.log" >&2; exit 1; }
echo "ops: OK"
