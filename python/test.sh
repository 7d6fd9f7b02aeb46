#!/usr/bin/env bash
# Builds the datap-rs wheel with maturin (the dev profile and the workspace's
# target directory, so nothing is built twice), installs it into the test
# venv made by install-test-tools.sh, and runs python/tests with pytest; then
# the same for a wheel built without the `pgwire` feature and
# python/tests_without_pgwire.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${COMPAT_INSTALL_ROOT:-/opt/datapress-compat}/wheel-venv"
if [ ! -x "$venv/bin/maturin" ]; then
  echo "$venv has no maturin: run python/install-test-tools.sh first" >&2
  exit 1
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cd "$here"
"$venv/bin/maturin" build --profile dev --out "$out/default"
"$venv/bin/pip" install -q --force-reinstall --no-deps "$out"/default/datap_rs-*.whl
"$venv/bin/python" -m pytest -q tests
"$venv/bin/maturin" build --profile dev --no-default-features --out "$out/without-pgwire"
"$venv/bin/pip" install -q --force-reinstall --no-deps "$out"/without-pgwire/datap_rs-*.whl
"$venv/bin/python" -m pytest -q tests_without_pgwire
