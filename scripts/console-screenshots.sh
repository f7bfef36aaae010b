#!/usr/bin/env bash
# Refreshes docs/console/*.png: runs the console's browser test (a sandbox gateway with traffic, headless Chromium)
# with its screenshots written to docs/console/. Look at them before committing.
#
#   scripts/console-screenshots.sh      # needs chromium, chromium-driver (apt) and selenium (pip); ~30 s after the build
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${MINGATE_BIN:-}" ] || swift build -q --product mingate
SCREENSHOTS="$PWD/docs/console" python3 Tests/console/console_test.py
