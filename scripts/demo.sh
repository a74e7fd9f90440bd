#!/usr/bin/env bash
# `npm run demo`: installs what is missing, then starts the whole product.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
bash scripts/setup.sh
# react-server: lib/ modules are marked server-only (the demo registers its service through them).
exec node --conditions=react-server --import tsx scripts/demo.ts "$@"
