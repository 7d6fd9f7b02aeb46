#!/usr/bin/env bash
# Installs the Python client drivers of the compat matrix into a venv
# (idempotent): ${COMPAT_INSTALL_ROOT:-/opt/datapress-compat}/venv.
# psqlODBC (Debian's odbc-postgresql, driven through pyodbc) and unixODBC come
# from apt, only if missing. pyarrow is not a compat client itself: benches/e2e/bench.py
# uses it to write the Parquet file DataPress serves (--format parquet), and the
# Arrow readers (ADBC, ConnectorX, polars) return its tables.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="${COMPAT_INSTALL_ROOT:-/opt/datapress-compat}"
venv="$root/venv"
need=()
python3 -c "import venv" >/dev/null 2>&1 || need+=(python3-venv)
[ -e /usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so ] || need+=(odbc-postgresql)
command -v odbcinst >/dev/null 2>&1 || need+=(unixodbc)
[ -e /usr/include/sql.h ] || need+=(unixodbc-dev)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages (${need[*]}): run this installer as root" >&2
    exit 1
  fi
  apt-get update -q
  apt-get install -y -q "${need[@]}"
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "creating $venv"
  mkdir -p "$root"
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -m pip install -q -r "$here/python/requirements.txt" pyarrow==26.0.1; then
  echo "pip install failed" >&2
  exit 1
fi
"$venv/bin/python" -m pip freeze | grep -iE "psycopg|asyncpg|pg8000|pyodbc|sqlalchemy|pandas|pyarrow|adbc|connectorx|polars"
echo "psqlODBC $(dpkg-query -W -f '${Version}' odbc-postgresql 2>/dev/null || echo '?')"
