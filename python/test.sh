#!/usr/bin/env bash
# Builds the datap-rs wheel with maturin (the dev profile and the workspace's
# target directory, so nothing is built twice), installs it into the test
# venv made by install-test-tools.sh, and runs python/tests with pytest.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${COMPAT_INSTALL_ROOT:-/opt/datapress-compat}/wheel-venv"
if [ ! -x "$venv/bin/maturin" ]; then
  echo "$venv has no maturin: run python/install-test-tools.sh first" >&2
  exit 1
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
(cd "$here" && "$venv/bin/maturin" build --profile dev --out "$out")
"$venv/bin/pip" install -q --force-reinstall --no-deps "$out"/datap_rs-*.whl
cd "$here" && "$venv/bin/python" -m pytest -q tests
