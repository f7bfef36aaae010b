#!/usr/bin/env bash
# Makes a real access report and screenshots it: starts the sandbox gateway on a fresh ledger, sends one person's
# data to three partners (a payment, two courier bookings, an e-KYC check after consent), asks for erasure, marks
# the one notice sent, then renders `mingate subject report` in Bahasa Indonesia and English and screenshots both
# pages in headless Chromium into docs/access-report-{id,en}.png (and the HTML beside them in $WORK).
#
#   scripts/access-report-demo.sh          # needs chromium (apt-get install chromium); ~20 s after the build
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${MINGATE_BIN:-.build/debug/mingate}
OUT=${OUT:-docs}
command -v chromium >/dev/null || { echo "access-report-demo: needs chromium (apt-get install chromium)" >&2; exit 1; }
[ -n "${MINGATE_BIN:-}" ] || swift build -q --product mingate

WORK=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export MINGATE_LEDGER_KEY=sandbox-not-a-secret:env:MINGATE_LEDGER_KEY MINGATE_ADMIN_TOKEN=sandbox-admin-token
LEDGER="sqlite:$WORK/ledger.sqlite"
"$BIN" serve --sandbox --port "$PORT" --ledger "$LEDGER" --log-level warning > "$WORK/gateway.log" 2>&1 &
pid=$!
GW="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -sf "$GW/readyz" >/dev/null && break; sleep 0.1; done
call() { # partner/purpose/path, then curl arguments
  local target=$1; shift
  code=$(curl -s -o "$WORK/answer" -w '%{http_code}' "$GW/p/$target" -H 'Authorization: Bearer sandbox-demo-token' \
    -H 'X-Mingate-Subject: customer-8812' "$@")
  [ "$code" = 200 ] || { echo "access-report-demo: $target answered $code: $(cat "$WORK/answer")" >&2; exit 1; }
}
call midtrans/payment/v2/charge -H 'Content-Type: application/json' \
  -d '{"payment_type":"bank_transfer","transaction_details":{"order_id":"ORD-1","gross_amount":125000},"customer_details":{"email":"budi@example.com"}}'
for order in ORD-1 ORD-2; do
  call biteship/delivery/v1/orders -H 'Content-Type: application/json' \
    -d '{"destination_contact_name":"Budi Santoso","destination_contact_phone":"+6281234567890","destination_address":"Jl. Sudirman No. 1","destination_postal_code":"10220","reference_id":"'$order'","courier_company":"jne","courier_type":"reg"}'
done
"$BIN" consent grant --gateway "$GW" --subject customer-8812 --partner verihubs --purpose identity-verification \
  --evidence consent-screen-4711 > /dev/null
printf '\xff\xd8\xff\xe0\x00\x10JFIF\x00\xff\xd9' > "$WORK/selfie.jpg"
call verihubs/identity-verification/v1/identity/verify -F name='Budi Santoso' -F nik=3171234567890001 \
  -F "selfie=@$WORK/selfie.jpg;type=image/jpeg"
"$BIN" subject erase customer-8812 --gateway "$GW" | tee "$WORK/erase.txt"
ERASURE=$(awk '/^erasure /{print $2}' "$WORK/erase.txt")
"$BIN" subject notice-sent customer-8812 --gateway "$GW" --erasure "$ERASURE" --partner midtrans --by "DPO office" \
  --via "e-mail to Midtrans's privacy contact"
for language in id en; do
  "$BIN" subject report customer-8812 --ledger "$LEDGER" --reference DSR-2026-0042 --language "$language" > "$WORK/report-$language.html"
  "$BIN" subject report customer-8812 --ledger "$LEDGER" --reference DSR-2026-0042 --language "$language" --format json > "$WORK/report-$language.json"
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,2800 \
    --screenshot="$OUT/access-report-$language.png" "file://$WORK/report-$language.html" 2>/dev/null
  echo "$OUT/access-report-$language.png"
done
[ -z "${KEEP:-}" ] || { mkdir -p "$KEEP"; cp "$WORK"/report-* "$KEEP"/; }
