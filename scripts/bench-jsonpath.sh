#!/usr/bin/env bash
# JSONPath selection and minimisation per document, Mingate beside Python's jsonpath-rfc9535, in one run, on
# ../shared/bench/payload.json with the peers' 10-path allowlist. A benchmark, not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
DOC="${DOC:-../shared/bench/payload.json}"
swift build -c release --product mingate >&2
VENV="${TMPDIR:-/tmp}/mingate-jsonpath-peer"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q jsonpath-rfc9535 >&2
.build/release/mingate jsonpath-bench "$DOC" --iterations "${ITERATIONS:-20000}"
"$VENV/bin/python" bench/jsonpath_peer.py "$DOC" "${PY_ITERATIONS:-3000}"
