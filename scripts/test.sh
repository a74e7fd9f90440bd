#!/usr/bin/env bash
# `npm test`: installs what is missing, then runs every suite against real parts
# (nginx + the Lua gateway, PostgreSQL, Chromium) and prints a summary.
# Run one suite with e.g. `npm run test:gateway`.
set -uo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

bash scripts/setup.sh --chromium || { echo "setup failed: see the message above" >&2; exit 1; }
# A PostgreSQL server for the tests: DATABASE_URL, else 127.0.0.1:5432, else Debian's postgresql.
npx tsx scripts/db.ts server >/dev/null || { echo "no PostgreSQL server: see the message above" >&2; exit 1; }

SUITES=(
  "unit:npm run -s test:unit"
  "drift:npm run -s db:drift"
  "typecheck:npm run -s typecheck"
  "build:npm run -s build"
  "db:npm run -s test:db"
  "gateway:npm run -s test:gateway"
  "portal:npm run -s test:portal"
  "releases:npm run -s test:releases"
  "api:npm run -s test:api"
  "audit:npm run -s test:audit"
  "metrics:npm run -s test:metrics"
  "reconcile:npm run -s test:reconcile"
  "security:npm run -s test:security"
  "fuzz:npm run -s test:fuzz"
  "faults:npm run -s test:faults"
  "demo:npm run -s test:demo"
  "notifications:npm run -s test:notifications"
  "fleet:npm run -s test:fleet"
  "e2e:npm run -s test:e2e"
)

passed=0; failed=0; summary=()
for entry in "${SUITES[@]}"; do
  name=${entry%%:*}; cmd=${entry#*:}
  printf '\n\033[1m==> [%s] %s\033[0m\n' "$name" "$cmd"
  start=$(date +%s)
  if bash -c "$cmd"; then status=ok; passed=$((passed + 1)); else status=FAILED; failed=$((failed + 1)); fi
  summary+=("$(printf '%-10s %-7s %4ss' "$name" "$status" "$(( $(date +%s) - start ))")")
done

printf '\n%s\n' "suite      result  time"
printf '%s\n' "${summary[@]}"
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
