#!/usr/bin/env bash
# Installs what python/test.sh needs (idempotent): a venv with maturin, pytest,
# psycopg and pyarrow at ${COMPAT_INSTALL_ROOT:-/opt/datapress-compat}/wheel-venv.
set -euo pipefail
venv="${COMPAT_INSTALL_ROOT:-/opt/datapress-compat}/wheel-venv"
if [ ! -x "$venv/bin/python" ]; then
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q maturin==1.16.0 pytest==9.2.0 "psycopg[binary]==3.3.9" pyarrow==26.0.1
"$venv/bin/maturin" --version
