#!/usr/bin/env bash
# Installs node-postgres and postgres.js (pinned in node/package-lock.json) for
# the compat matrix; installs Node.js from Debian only if it is missing (idempotent).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt-get update -q
  apt-get install -y -q nodejs npm
fi
cd "$here/node"
npm ci --no-audit --no-fund --silent
echo "node $(node --version): pg $(node -p "require('pg/package.json').version"), postgres $(node -p "JSON.parse(require('fs').readFileSync('node_modules/postgres/package.json')).version")"
