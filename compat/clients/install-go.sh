#!/usr/bin/env bash
# Installs Go, pgx v4 and lib/pq from Debian if missing, and builds the Go
# client in GOPATH mode (no module proxy) into
# ${COMPAT_INSTALL_ROOT:-/opt/datapress-compat}/build/go/go-client (idempotent).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="${COMPAT_INSTALL_ROOT:-/opt/datapress-compat}"
out="$root/build/go"
packages=(golang-go golang-github-jackc-pgx-v4-dev golang-github-lib-pq-dev)
version() { dpkg-query -W -f='${Version}' "$1"; }
need=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
  apt-get update -q
  apt-get install -y -q "${need[@]}"
fi
mkdir -p "$out" "$root/cache/go-build"
cd "$here/go"
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$root/cache/go-build" GOPROXY=off \
  /usr/bin/go build -o "$out/go-client" \
  -ldflags "-X main.pgxVersion=$(version golang-github-jackc-pgx-v4-dev) -X main.pqVersion=$(version golang-github-lib-pq-dev)" .
echo "$(/usr/bin/go version): pgx $(version golang-github-jackc-pgx-v4-dev), lib/pq $(version golang-github-lib-pq-dev) -> $out/go-client"
