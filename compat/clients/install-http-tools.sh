#!/usr/bin/env bash
# Installs the HTTP API's test tools (idempotent): schemathesis, which checks
# every route against /api/openapi.json, in a venv of its own:
# ${COMPAT_INSTALL_ROOT:-/opt/datapress-compat}/http-venv.
set -euo pipefail
root="${COMPAT_INSTALL_ROOT:-/opt/datapress-compat}"
venv="$root/http-venv"
if [ ! -x "$venv/bin/python" ]; then
  echo "creating $venv"
  mkdir -p "$root"
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q schemathesis==4.32.5
"$venv/bin/schemathesis" --version
