#!/usr/bin/env bash
# Installs the Python client drivers of the compat matrix into a venv
# (idempotent): ${COMPAT_INSTALL_ROOT:-/opt/datapress-compat}/venv.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="${COMPAT_INSTALL_ROOT:-/opt/datapress-compat}"
venv="$root/venv"
if ! python3 -c "import venv" >/dev/null 2>&1; then
  apt-get update -q && apt-get install -y -q python3-venv
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "creating $venv"
  mkdir -p "$root"
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -m pip install -q -r "$here/python/requirements.txt"; then
  echo "pip install failed" >&2
  exit 1
fi
"$venv/bin/python" -m pip freeze | grep -iE "psycopg|asyncpg|pg8000"
