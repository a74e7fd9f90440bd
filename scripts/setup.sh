#!/usr/bin/env bash
# Installs what Graylane needs on Debian/Ubuntu, idempotently: nginx + the Lua module
# (skipped when an `openresty` binary is on PATH), npm packages, the Prisma client,
# and with --chromium what only the tests need: Debian's Chromium for the browser tests and
# strace for the snapshot test that watches the gateway fsync its state directory.
# Usage: scripts/setup.sh [--chromium] [--wrk]
set -euo pipefail
cd "$(dirname "$0")/.."

want_chromium=0
want_wrk=0
for arg in "$@"; do
  case "$arg" in
    --chromium) want_chromium=1 ;;
    --wrk) want_wrk=1 ;;
    *) echo "setup: unknown option $arg (use --chromium, --wrk)" >&2; exit 2 ;;
  esac
done

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "setup: need root or sudo to run: $*" >&2; exit 1
  fi
}

missing=()
need_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || missing+=("$1"); }

if command -v openresty >/dev/null 2>&1; then
  step "gateway: using $(command -v openresty)"
else
  for p in nginx-light libnginx-mod-http-lua lua-cjson; do need_pkg "$p"; done
fi
[ "$want_chromium" = 1 ] && need_pkg chromium && need_pkg strace
[ "$want_wrk" = 1 ] && need_pkg wrk

if [ ${#missing[@]} -gt 0 ]; then
  step "apt: installing ${missing[*]}"
  if ! command -v apt-get >/dev/null; then
    echo "setup: apt-get not found. Install these packages yourself: ${missing[*]}" >&2; exit 1
  fi
  # Installing nginx must not start the system nginx service: Graylane runs its own.
  added_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod +x /usr/sbin/policy-rc.d
    added_policy=1
  fi
  trap '[ "$added_policy" = 1 ] && as_root rm -f /usr/sbin/policy-rc.d' EXIT
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  step "apt: nothing to install"
fi

# npm ci when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm: npm ci"
  npm ci --no-audit --no-fund
else
  step "npm: node_modules up to date"
fi

# The Prisma client is generated (not committed); regenerate when the schema moves.
if [ ! -f lib/generated/prisma/client.ts ] || [ prisma/schema.prisma -nt lib/generated/prisma/client.ts ]; then
  step "prisma: generate client"
  npx prisma generate
fi
